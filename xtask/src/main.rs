//! `cargo xtask`: the project's build tool. Works on a fresh machine with
//! only rustup, Node.js/npm and apt: it installs what it needs, pinned and
//! project-local (`.tools/`, `node_modules/`).
//!
//! Layout:
//! - [`ctx`]: paths, tool locations, the step runner.
//! - [`install`]: pinned tool installs (skips what is there).
//! - [`edge`], [`widget`], [`console`]: release builds of the three Wasm parts.
//! - [`run`]: the whole system locally, with a provisioned demo site.
//! - [`site`]: a site's set-up from a terminal (create, agents, tokens,
//!   the embed snippet), through the HTTP API.
//! - [`test`]: every check the project has (`.ci/run` calls it); [`fuzz`]:
//!   its OpenAPI step (the document validated, then fuzzed against the edge).
//! - [`bench`], [`bench_edge`]: benchmarks that print figures.

mod bench;
mod bench_edge;
mod console;
mod ctx;
mod deploy_check;
mod edge;
mod fuzz;
mod install;
mod run;
mod site;
mod test;
mod widget;

use ctx::{run as run_cmd, step, Ctx, Failure, Result};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

  run                 build everything, start the edge in workerd on 127.0.0.1:$PORT (8787),
                      provision a demo site and print its URLs and tokens (env: PORT, ADMIN_TOKEN)
  test                every check: fmt, clippy, native tests, wasm tests, integration,
                      OpenAPI validity and fuzzing (schemathesis), e2e
  fuzz                the OpenAPI step of `test` alone: validate edge/openapi.json, then fuzz
                      a fresh edge from it (env: PRESENZA_FUZZ_SEED, PRESENZA_FUZZ_EXAMPLES)
  bench               benchmarks (rules, widget size and paint time, edge fan-out and lookups)
  build [edge|widget|console|all]
                      release builds
  site <command>      a site from a terminal: list, create, agent, rotate, snippet
                      (`cargo xtask site` for the details)
  install             install the pinned tools only
  deploy              build, then `wrangler deploy` to Cloudflare";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ctx = Ctx::new();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&ctx),
        Some("test") => test::test(&ctx),
        Some("bench") => bench::bench(&ctx),
        Some("fuzz") => install::ensure(&ctx, install::Purpose::Run)
            .and_then(|_| fuzz::ensure_venv(&ctx))
            .and_then(|_| edge::build(&ctx))
            .and_then(|_| fuzz::test(&ctx)),
        Some("install") => install::ensure(&ctx, install::Purpose::Test),
        Some("build") => match args.get(1).map(String::as_str) {
            Some("edge") => {
                install::ensure(&ctx, install::Purpose::Run).and_then(|_| edge::build(&ctx))
            }
            Some("widget") => {
                install::ensure(&ctx, install::Purpose::Run).and_then(|_| widget::build(&ctx))
            }
            Some("console") => {
                install::ensure(&ctx, install::Purpose::Run).and_then(|_| console::build(&ctx))
            }
            None | Some("all") => {
                install::ensure(&ctx, install::Purpose::Run).and_then(|_| build_all(&ctx))
            }
            Some(other) => Err(Failure::new(
                format!("unknown build target {other:?}"),
                USAGE,
            )),
        },
        Some("deploy") => deploy(&ctx),
        Some("site") => site::site(&ctx, &args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::new(format!("unknown command {other:?}"), USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nxtask: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Release builds of the widget, the console and the edge (the edge serves
/// the other two from `www/`).
pub fn build_all(ctx: &Ctx) -> Result {
    widget::build(ctx)?;
    console::build(ctx)?;
    edge::build(ctx)
}

fn deploy(ctx: &Ctx) -> Result {
    install::ensure(ctx, install::Purpose::Run)?;
    build_all(ctx)?;
    step("wrangler deploy (needs `npx wrangler login` and `npx wrangler secret put ADMIN_TOKEN` once)");
    run_cmd(
        Command::new(ctx.node_bin("wrangler"))
            .arg("deploy")
            .current_dir(&ctx.root)
            .env("PRESENZA_SKIP_BUILD", "1"),
        "wrangler deploy",
        "log in with `npx wrangler login` first",
    )
}
