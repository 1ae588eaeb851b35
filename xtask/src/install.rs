//! Installs every tool the project needs, project-local and pinned, skipping
//! what is already there: the wasm32 target, wasm-bindgen-cli (exactly the
//! `wasm-bindgen` version in Cargo.lock), worker-build, the npm packages in
//! package-lock.json (wrangler + workerd, binaryen, esbuild, playwright-core,
//! ws, axe-core for the accessibility audit) and, for tests, Debian's
//! chromium and chromedriver and a Python venv (`.tools/venv`) with the
//! pinned OpenAPI fuzzer ([`crate::fuzz`]).

use crate::ctx::{output, run, step, Ctx, Failure, Result};
use std::path::Path;
use std::process::Command;

/// worker-build 0.8.x matches the `worker` 0.8 crate in Cargo.lock.
const WORKER_BUILD_VERSION: &str = "0.8.7";
/// Oldest Node.js that runs the pinned wrangler.
const MIN_NODE_MAJOR: u32 = 20;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Build and run the system.
    Run,
    /// Also the browser for the tests.
    Test,
}

pub fn ensure(ctx: &Ctx, purpose: Purpose) -> Result {
    step("Checking tools (installs what is missing, at pinned versions)");
    wasm_target()?;
    node(ctx)?;
    let bindgen = wasm_bindgen_version(ctx)?;
    cargo_tool(ctx, "wasm-bindgen-cli", "wasm-bindgen", &bindgen)?;
    cargo_tool(ctx, "worker-build", "worker-build", WORKER_BUILD_VERSION)?;
    if purpose == Purpose::Test {
        chromium()?;
        crate::fuzz::ensure_venv(ctx)?;
    }
    println!("    tools ready");
    Ok(())
}

fn wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or_else(|| {
            Failure::new(
                "rustup not found",
                "install Rust with rustup (https://rustup.rs), stable toolchain",
            )
        })?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    println!("    adding the wasm32-unknown-unknown target");
    run(
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        "rustup target add wasm32-unknown-unknown",
        "check that rustup can reach its distribution server",
    )
}

fn node(ctx: &Ctx) -> Result {
    let version = output(Command::new("node").arg("--version")).ok_or_else(|| {
        Failure::new(
            "node not found",
            format!("install Node.js {MIN_NODE_MAJOR}+ and npm (e.g. apt-get install nodejs npm)"),
        )
    })?;
    let major: u32 = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < MIN_NODE_MAJOR {
        return Err(Failure::new(
            format!("node {} is too old", version.trim()),
            format!("install Node.js {MIN_NODE_MAJOR}+"),
        ));
    }
    // `npm ci` only when package-lock.json changed since the last install.
    let stamp = ctx.path("node_modules/.package-lock.json");
    if newer_than(&ctx.path("package-lock.json"), &stamp) || !ctx.wasm_opt().exists() {
        println!(
            "    npm ci (wrangler, workerd, binaryen, esbuild, playwright-core, ws, axe-core)"
        );
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&ctx.root)
                .env("WRANGLER_SEND_METRICS", "false"),
            "npm ci",
            "npm not found or the npm registry is unreachable: install Node.js 20+ with npm",
        )?;
    }
    Ok(())
}

/// The exact `wasm-bindgen` version locked in Cargo.lock: the CLI must match it.
fn wasm_bindgen_version(ctx: &Ctx) -> Result<String> {
    let lock = std::fs::read_to_string(ctx.path("Cargo.lock")).map_err(|e| {
        Failure::new(
            "reading Cargo.lock",
            format!("{e}: Cargo.lock is committed; restore it with git checkout Cargo.lock"),
        )
    })?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err(Failure::new(
        "finding wasm-bindgen in Cargo.lock",
        "run `cargo generate-lockfile` and commit Cargo.lock",
    ))
}

/// `cargo install --root .tools --locked CRATE --version V`, unless the binary
/// there already reports that version.
fn cargo_tool(ctx: &Ctx, krate: &str, bin: &str, version: &str) -> Result {
    let path = ctx.tool(bin);
    let current = output(Command::new(&path).arg("--version")).unwrap_or_default();
    if current.split_whitespace().any(|w| w == version) {
        return Ok(());
    }
    println!("    cargo install {krate} {version} into .tools/ (a few minutes, once)");
    run(
        ctx.cargo().args([
            "install",
            "--locked",
            "--root",
            ".tools",
            krate,
            "--version",
            version,
        ]),
        &format!("cargo install {krate} {version}"),
        "check that crates.io is reachable and that a C compiler (gcc) is installed",
    )
}

fn chromium() -> Result {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    println!("    installing Debian chromium and chromium-driver (apt-get)");
    // As root apt-get runs directly; otherwise through passwordless sudo.
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    let hint = "install them by hand: sudo apt-get update && sudo apt-get install -y chromium chromium-driver";
    run(&mut apt(&["update"]), "apt-get update", hint)?;
    run(
        &mut apt(&[
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ]),
        "apt-get install chromium chromium-driver",
        hint,
    )
}

/// True when `a` was modified after `b`, or `b` does not exist.
pub fn newer_than(a: &Path, b: &Path) -> bool {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (mtime(a), mtime(b)) {
        (Some(a), Some(b)) => a > b,
        (_, None) => true,
        (None, Some(_)) => false,
    }
}

/// The newest modification time of any file below `dir` (recursively).
pub fn newest_in(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_in(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        if t > newest {
            newest = t;
        }
    }
    newest
}
