//! `cargo xtask bench`: every benchmark, printing its figures: the rules'
//! evaluation time, the widget's sizes and paint time, and the edge's
//! fan-out, lookup throughput, offline detection and heartbeat wake-ups.

use crate::ctx::{run, step, Ctx, Failure, Result};
use crate::install::{self, Purpose};
use crate::{bench_edge, widget};
use presenza_tests::{EdgeOptions, LocalEdge};

pub fn bench(ctx: &Ctx) -> Result {
    install::ensure(ctx, Purpose::Test)?;

    step("Rules: evaluation of 1,000 agents in 50 groups with schedules (divan)");
    run(
        ctx.cargo()
            .args(["bench", "-p", "presenza-rules", "--locked"]),
        "cargo bench -p presenza-rules",
        "see the error above",
    )?;

    crate::build_all(ctx)?;
    widget::check_size(ctx)?;
    step("Fan-out benchmark client (native, one epoll loop)");
    run(
        ctx.cargo().args([
            "build",
            "--release",
            "--locked",
            "-p",
            "presenza-tests",
            "--bin",
            "fanout-client",
        ]),
        "cargo build --release -p presenza-tests --bin fanout-client",
        "see the error above",
    )?;

    let mut options = EdgeOptions::for_test("bench");
    options.admin_token = crate::run::random_hex(16)?;
    let edge = LocalEdge::start(options)
        .map_err(|e| Failure::new("starting the edge for the benchmarks", e.to_string()))?;

    step("Widget: launcher paint time in headless Chromium");
    widget::bench(ctx, &edge.url, &edge.options.admin_token)?;

    step("Edge: fan-out, status lookups, offline detection, heartbeat wake-ups");
    bench_edge::bench(ctx, &edge.url, &edge.options.admin_token)?;
    Ok(())
}
