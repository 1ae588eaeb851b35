//! Builds the agent console: `presenza-console` (Rust → Wasm) through the
//! project-local wasm-bindgen (`--target web`) and wasm-opt into
//! `www/console/pkg/`, next to the hand-written `www/console/index.html`.

use crate::ctx::{run, step, Ctx, Failure, Result};
use crate::install::newest_in;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// The console has no tight budget like the widget, but it must stay a
/// page that opens quickly on a phone. 250 KB until the daily-tool pages
/// (devices, the live team, e-mail, saved replies, working hours' switch,
/// typing and the visitor's context: ~265 KB), the Availability page (SVG
/// timelines drawn in Rust, no chart library: ~20 KB) and the owner's
/// checklist (~7 KB): 297 KB together; assignment, alerts, webhooks, hours
/// versions and pictures brought it to ~317 KB (with the widget's wasm-opt
/// passes). A chart or UI library would blow it at once; a service worker
/// keeps it after the first visit.
const BUDGET_GZIP_BYTES: usize = 320 * 1024;

pub fn build(ctx: &Ctx) -> Result {
    step("Building the agent console (Rust → Wasm, wasm-bindgen --target web, wasm-opt)");
    let out_dir = ctx.path("www/console/pkg");
    let js = out_dir.join("presenza_console.js");
    let wasm = out_dir.join("presenza_console_bg.wasm");

    let built = std::fs::metadata(&wasm).and_then(|m| m.modified()).ok();
    let inputs = [
        newest_in(&ctx.path("console/src")),
        newest_in(&ctx.path("rules/src")),
        newest_in(&ctx.path("protocol/src")),
        modified(&ctx.path("console/Cargo.toml")),
        modified(&ctx.path("Cargo.lock")),
        modified(&ctx.path("Cargo.toml")),
    ]
    .into_iter()
    .max()
    .flatten();
    if built.is_some() && js.exists() && built >= inputs {
        println!("    up to date");
        return report_size(&wasm);
    }

    run(
        ctx.cargo().args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "presenza-console",
        ]),
        "cargo build --release (console, wasm32)",
        "fix the compile error above",
    )?;

    // Stale files from an older build must not be served.
    let _ = std::fs::remove_dir_all(&out_dir);
    let input = ctx
        .target_dir()
        .join("wasm32-unknown-unknown/release/presenza_console.wasm");
    run(
        Command::new(ctx.tool("wasm-bindgen"))
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&out_dir)
            .arg(&input),
        "wasm-bindgen (console)",
        "`cargo xtask install` installs wasm-bindgen 0.2.129, the version the crate pins",
    )?;
    run(
        Command::new(ctx.wasm_opt())
            .args(crate::widget::WASM_OPT_PASSES)
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm),
        "wasm-opt (console)",
        "`cargo xtask install` installs binaryen from package-lock.json",
    )?;
    report_size(&wasm)
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Prints the Wasm size (raw and gzip) and fails over the budget.
fn report_size(wasm: &Path) -> Result {
    let bytes = std::fs::read(wasm).map_err(|e| {
        Failure::new(
            format!("reading {}", wasm.display()),
            format!("{e}; run `cargo xtask build console`"),
        )
    })?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gzipped = match gz.write_all(&bytes) {
        Ok(()) => gz.finish().map(|v| v.len()).unwrap_or(usize::MAX),
        Err(_) => usize::MAX,
    };
    println!(
        "    console wasm: {:.1} KB, {:.1} KB gzip (budget {} KB gzip)",
        bytes.len() as f64 / 1024.0,
        gzipped as f64 / 1024.0,
        BUDGET_GZIP_BYTES / 1024
    );
    if gzipped > BUDGET_GZIP_BYTES {
        return Err(Failure::new(
            "console size budget",
            format!(
                "the console's Wasm grew past {} KB gzip: look for a heavy new dependency \
                 (presenza-rules' \"hours\" feature brings a tz database)",
                BUDGET_GZIP_BYTES / 1024
            ),
        ));
    }
    Ok(())
}
