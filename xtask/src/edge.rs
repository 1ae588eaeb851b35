//! Builds the edge worker with worker-build, pointed at the project-local
//! wasm-bindgen, wasm-opt and esbuild so that it never downloads anything.

use crate::ctx::{run, step, Ctx, Result};
use crate::install::newest_in;
use std::process::Command;

pub fn build(ctx: &Ctx) -> Result {
    step("Building the edge worker (Rust → Wasm with worker-build --release)");
    let output = ctx.path("edge/build/index.js");
    let built = std::fs::metadata(&output).and_then(|m| m.modified()).ok();
    // The crates the worker is built from, and the OpenAPI document it
    // serves (`include_str!`).
    let inputs = [
        "edge",
        "protocol",
        "rules",
        "edge/openapi.json",
        "Cargo.lock",
        "Cargo.toml",
    ]
    .iter()
    .filter_map(|p| {
        let path = ctx.path(p);
        if path.is_dir() {
            // edge/build is the output itself.
            newest_in(&path.join("src")).max(
                std::fs::metadata(path.join("Cargo.toml"))
                    .and_then(|m| m.modified())
                    .ok(),
            )
        } else {
            std::fs::metadata(path).and_then(|m| m.modified()).ok()
        }
    })
    .max();
    if built.is_some() && built >= inputs && ctx.path("edge/openapi.json").exists() {
        println!("    up to date");
        return Ok(());
    }
    run(
        Command::new(ctx.tool("worker-build"))
            .arg("--release")
            .current_dir(ctx.path("edge"))
            .env("WASM_BINDGEN_BIN", ctx.tool("wasm-bindgen"))
            .env("WASM_OPT_BIN", ctx.wasm_opt())
            .env("ESBUILD_BIN", ctx.node_bin("esbuild"))
            .env("CARGO_TARGET_DIR", ctx.target_dir()),
        "worker-build --release (edge)",
        "fix the compile error above; `cargo xtask install` reinstalls the tools",
    )
}
