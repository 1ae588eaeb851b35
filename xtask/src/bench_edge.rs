//! The edge benchmarks: node scripts in `tests/bench/edge-*.mjs` (using the
//! `ws` package from node_modules) run against a local edge on 127.0.0.1:
//!
//! - `edge-fanout.mjs`: one status change to 1,000 and 10,000 visitor
//!   sockets, change → receipt p50/p99 (target p99 ≤ 250 ms at 10,000);
//! - `edge-lookup.mjs`: GET status vs GET /v1/ping, req/s and p99 with
//!   fixed keep-alive connections (target ratio ≥ 0.5);
//! - `edge-offline.mjs`: offline received ≤ 1 s after last sign of life +
//!   grace, for a dropped device socket and an HTTP-only agent;
//! - `edge-wake.mjs`: pings over a device socket that woke the object
//!   (target 0).
//!
//! Every script prints its figures and one `SUMMARY ...` line; the summaries
//! are repeated at the end. A script that cannot measure (crash, refused
//! requests) fails the step; a missed target is reported, not fatal.
//!
//! 10,000 sockets need as many file descriptors in node (raised here with
//! `ulimit -n`) and in workerd, which inherits the limit of the process that
//! started the edge.

use crate::ctx::{step, Ctx, Failure, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// File descriptors asked for before starting node (soft limit, capped by
/// the hard limit).
const NOFILE: u32 = 24_000;

const SCRIPTS: [(&str, &str); 4] = [
    ("edge-lookup.mjs", "status lookup throughput vs /v1/ping"),
    ("edge-wake.mjs", "device pings that wake the object"),
    (
        "edge-offline.mjs",
        "offline detection after the grace period",
    ),
    (
        "edge-fanout.mjs",
        "fan-out of one change to 1,000 and 10,000 visitor sockets",
    ),
];

pub fn bench(ctx: &Ctx, base_url: &str, admin_token: &str) -> Result {
    let mut summaries = Vec::new();
    let mut failures = Vec::new();
    for (script, title) in SCRIPTS {
        step(&format!("Edge bench: {title} ({script})"));
        let path = ctx.path("tests/bench").join(script);
        // Raise the descriptor limit for node, then exec it.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "ulimit -n {NOFILE} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec node \"$@\""
            ))
            .arg("sh")
            .arg(&path)
            .args(["--url", base_url, "--admin-token", admin_token])
            .current_dir(&ctx.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{script}: could not start node: {e}"));
                continue;
            }
        };
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out)
                .lines()
                .map_while(std::result::Result::ok)
            {
                println!("{line}");
                if let Some(s) = line.strip_prefix("SUMMARY ") {
                    summaries.push(s.to_string());
                }
            }
        }
        match child.wait() {
            Ok(status) if status.success() => {}
            Ok(status) => failures.push(format!("{script} exited with {status}")),
            Err(e) => failures.push(format!("{script}: {e}")),
        }
    }

    step("Edge benchmark figures");
    for s in &summaries {
        println!("  {s}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            format!("edge benchmarks: {}", failures.join("; ")),
            "see the script output above (node >= 20 and `npm ci` for the ws package; raise `ulimit -n` for 10,000 sockets)",
        ))
    }
}
