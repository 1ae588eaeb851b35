//! The edge benchmarks: node scripts in `tests/bench/edge-*.mjs` (using the
//! `ws` package from node_modules) run against a local edge on 127.0.0.1:
//!
//! - `edge-lookup.mjs`: GET status vs GET /v1/ping, req/s and p99 with
//!   fixed keep-alive connections (target ratio ≥ 0.5); and status from
//!   this location's cache (hit ratio from `X-Presenza-Cache`) vs from the
//!   origin (every lookup a miss, answered by the region's relay);
//! - `edge-wake.mjs`: pings over a device socket that woke the object
//!   (target 0);
//! - `edge-offline.mjs`: offline received ≤ 1 s after last sign of life +
//!   grace, for a dropped device socket and an HTTP-only agent;
//! - `edge-availability.mjs`: the status history (issue 15): bytes per
//!   audience per day of ordinary traffic, and GET history / insights for
//!   7 days of 50 groups, beside GET settings;
//! - `edge-history.mjs`: a device's hello and an inbox page at 1,000 and
//!   20,000 conversations (targets at 20,000: hello ≤ 30 ms, page ≤ 15 ms);
//!   its own edge, like the fan-out;
//! - `edge-flood.mjs`: an agent's latency while one anonymous client floods
//!   a visitor socket with forged `auth` frames (target p99 ≤ 250 ms, every
//!   flooding socket closed or refused);
//! - `edge-fanout.mjs`: one status change to 1,000 and 10,000 visitor
//!   sockets, change → receipt p50/p99 for the first change after the object
//!   hibernated and in steady state (target p99 ≤ 250 ms at 10,000), next to
//!   the floors of the same fan-out (a trivial JS Durable Object in the same
//!   workerd, and a bare node WebSocket server);
//! - `edge-relays.mjs` (issue 12): the site object's own cost per change
//!   with one relay holding 1, 1,000 and 10,000 widgets (flat within ±20%:
//!   target), and change → receipt p50/p99 with relays beside the single
//!   object (`VISITOR_SOCKETS=site`), two edges in the same run;
//! - `edge-calls-floor.mjs`: the runtime's floor under the first figure: a
//!   call into a trivial JS Durable Object holding 1, 1,000 and 10,000
//!   hibernated sockets (a reference: growth here is workerd's, not ours);
//! - `edge-relays-shards.mjs`: 16,000 widgets over relays of at most 1,500
//!   (every widget must receive every change), beside a single object; the
//!   calls reaching the site's object when 10,000 widgets reconnect after a
//!   restart (must not exceed relays + agents) and on a new site's cold start;
//! - `edge-relays-faults.mjs`: a publish lost (`TEST_FAULTS=drop_publish`)
//!   with relays in memory and after a restart evicted them: every widget
//!   right again within `RELAY_SYNC_MS` (2 s) + 1 s.
//!
//! The first five use the `wrangler dev` edge given by the caller. The
//! fan-out, history and relay benchmarks start their own edges (with the
//! vars they need): the same build (edge/build) in workerd via
//! Miniflare, without `wrangler dev`'s proxy, a second workerd that holds ~7
//! descriptors per WebSocket and cannot hold 10,000 sockets under this
//! machine's 20,000 `ulimit -n` hard limit (see tests/bench/edge-miniflare.mjs).
//!
//! Every script prints its figures and `SUMMARY ...` lines; the summaries
//! are repeated at the end. A script that cannot measure (crash, refused
//! requests) fails the step; a missed target is reported, not fatal.
//!
//! Node runs with its soft `ulimit -n` raised (up to the hard limit): the
//! fan-out's client (`target/release/fanout-client`, tests/src/bin) and the
//! workerd that Miniflare starts inherit it, and each holds one descriptor
//! per socket.

use crate::ctx::{step, Ctx, Failure, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// File descriptors asked for before starting node (soft limit, capped by
/// the hard limit).
const NOFILE: u32 = 24_000;

/// Which edge a script measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// The caller's `wrangler dev` edge (`--url`).
    Shared,
    /// Its own edge in workerd via Miniflare (`--miniflare`).
    Own,
}

const SCRIPTS: [(&str, &str, Edge, &[&str]); 11] = [
    (
        "edge-lookup.mjs",
        "status lookup throughput vs /v1/ping",
        Edge::Shared,
        &[],
    ),
    (
        "edge-wake.mjs",
        "device pings that wake the object",
        Edge::Shared,
        &[],
    ),
    (
        "edge-offline.mjs",
        "offline detection after the grace period",
        Edge::Shared,
        &[],
    ),
    (
        "edge-flood.mjs",
        "an agent's latency while one client floods a visitor socket",
        Edge::Shared,
        &[],
    ),
    (
        "edge-availability.mjs",
        "the status history: storage per audience per day, 7 days of 50 groups answered",
        Edge::Shared,
        &[],
    ),
    (
        "edge-history.mjs",
        "device hello and inbox page at 1,000 and 20,000 conversations \
         (its own edge: edge/build in workerd via Miniflare)",
        Edge::Own,
        &[],
    ),
    (
        "edge-fanout.mjs",
        "fan-out of one change to 1,000 and 10,000 visitor sockets \
         (its own edge: edge/build in workerd via Miniflare, no wrangler dev proxy)",
        Edge::Own,
        &["--floor"],
    ),
    (
        "edge-relays.mjs",
        "visitor relays vs the single object: the site's cost per change with one relay \
         holding 1, 1,000 and 10,000 widgets, fan-out to 10,000 (two edges in workerd via \
         Miniflare)",
        Edge::Own,
        // The "fixed relays": one relay at every size (a relay
        // whose last widget left deregisters, so 1 widget stands for none).
        &[
            "--sizes",
            "1,1000,10000",
            "--var",
            "RELAY_MAX_SOCKETS=10000",
        ],
    ),
    (
        "edge-calls-floor.mjs",
        "a call into a trivial JS object holding 1, 1,000 and 10,000 hibernated sockets \
         (the runtime's floor under the site's cost per change)",
        Edge::Own,
        &[],
    ),
    (
        "edge-relays-shards.mjs",
        "16,000 widgets over relays of 1,500, and a deploy's reconnect storm of 10,000 \
         (its own edges in workerd via Miniflare)",
        Edge::Own,
        &[],
    ),
    (
        "edge-relays-faults.mjs",
        "relays recovering a lost publish, in memory and after a restart evicted them \
         (its own edge in workerd via Miniflare)",
        Edge::Own,
        &[],
    ),
];

pub fn bench(ctx: &Ctx, base_url: &str, admin_token: &str) -> Result {
    let mut summaries = Vec::new();
    let mut failures = Vec::new();
    for (script, title, edge, extra) in SCRIPTS {
        step(&format!("Edge bench: {title} ({script})"));
        let path = ctx.path("tests/bench").join(script);
        let mut args: Vec<&str> = match edge {
            Edge::Shared => vec!["--url", base_url],
            Edge::Own => vec!["--miniflare"],
        };
        args.extend_from_slice(&["--admin-token", admin_token]);
        args.extend_from_slice(extra);
        // The fan-out's native client, built by `cargo xtask bench`.
        let client_bin = ctx.target_dir().join("release/fanout-client");
        let client_bin = client_bin.to_string_lossy();
        if edge == Edge::Own {
            args.extend_from_slice(&["--client-bin", &client_bin]);
        }
        // Raise the descriptor limit for node, then exec it.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "ulimit -n {NOFILE} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec node \"$@\""
            ))
            .arg("sh")
            .arg(&path)
            .args(&args)
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
            "see the script output above (node >= 20, `cargo xtask install` for ws and miniflare, edge/build built; \
             10,000 sockets need `ulimit -Hn` >= ~12,000, edge-relays-shards.mjs's 16,000 ~18,000)",
        ))
    }
}
