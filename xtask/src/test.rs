//! `cargo xtask test`: everything, in the order that fails fastest: format,
//! lints (native and wasm32), native unit and property tests, release builds
//! and the size budget, wasm tests in headless Chromium, integration tests
//! against the edge in workerd, the OpenAPI document validated and fuzzed
//! against the edge ([`crate::fuzz`]), and browser end-to-end tests.

use crate::ctx::{run, step, Ctx, Failure, Result};
use crate::install::{self, Purpose};
use crate::widget;
use presenza_tests::{EdgeOptions, LocalEdge};
use std::process::Command;

/// Crates that compile for wasm32 only in a meaningful way.
const WASM_CRATES: [&str; 3] = ["presenza-edge", "presenza-widget", "presenza-console"];

pub fn test(ctx: &Ctx) -> Result {
    install::ensure(ctx, Purpose::Test)?;

    step("cargo fmt --check");
    run(
        ctx.cargo().args(["fmt", "--all", "--", "--check"]),
        "cargo fmt --check",
        "run `cargo fmt --all` and commit the result",
    )?;

    step("cargo clippy (native) -D warnings");
    run(
        ctx.cargo()
            .args(["clippy", "--workspace", "--all-targets", "--locked"])
            .args(WASM_CRATES.iter().flat_map(|c| ["--exclude", c]))
            .args(["--", "-D", "warnings"]),
        "cargo clippy (native)",
        "fix the lints above",
    )?;

    step("cargo clippy (wasm32) -D warnings");
    run(
        ctx.cargo()
            .args([
                "clippy",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--locked",
            ])
            .args(WASM_CRATES.iter().flat_map(|c| ["-p", c]))
            .args(["--", "-D", "warnings"]),
        "cargo clippy (wasm32)",
        "fix the lints above",
    )?;
    run(
        ctx.cargo().args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "presenza-rules",
            "--no-default-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
        "cargo clippy (rules for the widget: wasm32, no default features)",
        "the rules crate must build without jiff and serde for the widget",
    )?;

    step("Native unit and property tests");
    run(
        ctx.cargo()
            .args([
                "test",
                "--workspace",
                "--locked",
                "--exclude",
                "presenza-tests",
            ])
            // The widget's tests run in Chromium (below); the console's
            // store and wire tests are plain Rust and run here.
            .args(["--exclude", "presenza-widget"]),
        "native tests",
        "see the failing test above",
    )?;

    crate::build_all(ctx)?;
    widget::check_size(ctx)?;
    crate::deploy_check::check(ctx)?;

    step("Wasm tests in headless Chromium (wasm-bindgen-test)");
    widget::test_wasm(ctx)?;

    step("Integration tests against the edge in workerd (real HTTP and WebSocket)");
    run(
        ctx.cargo()
            .args(["test", "-p", "presenza-tests", "--locked"]),
        "integration tests",
        "see the failing test above; each edge's wrangler log is in target/test-edges/",
    )?;

    crate::fuzz::test(ctx)?;

    step("Browser end-to-end tests (Debian chromium, playwright-core)");
    let edge = LocalEdge::start(EdgeOptions::for_test("e2e"))
        .map_err(|e| Failure::new("starting the edge for the e2e tests", e.to_string()))?;
    run(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .current_dir(&ctx.root)
            .env("PRESENZA_URL", &edge.url)
            .env("PRESENZA_ADMIN_TOKEN", &edge.options.admin_token),
        "browser end-to-end tests",
        "see the failing test above; screenshots of failures are in target/e2e/",
    )?;
    drop(edge);

    println!("\n==> all checks passed");
    Ok(())
}
