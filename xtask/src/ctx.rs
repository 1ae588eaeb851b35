//! Paths, pinned tool locations and the step runner every command shares.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A failed step: what failed and what the user can do about it.
#[derive(Debug)]
pub struct Failure {
    pub step: String,
    pub hint: String,
}

impl Failure {
    pub fn new(step: impl Into<String>, hint: impl Into<String>) -> Self {
        Failure {
            step: step.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step failed: {}\n  what to do: {}", self.step, self.hint)
    }
}

pub type Result<T = ()> = std::result::Result<T, Failure>;

/// Where everything lives. Tools are project-local: `.tools/bin` (cargo
/// install --root) and `node_modules/` (npm ci from package-lock.json).
pub struct Ctx {
    pub root: PathBuf,
}

impl Ctx {
    pub fn new() -> Self {
        // xtask/ sits one level below the workspace root.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives inside the workspace")
            .to_path_buf();
        Ctx { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A binary installed by `cargo install --root .tools`.
    pub fn tool(&self, name: &str) -> PathBuf {
        self.root.join(".tools/bin").join(name)
    }

    /// A binary from an npm package in node_modules.
    pub fn node_bin(&self, name: &str) -> PathBuf {
        self.root.join("node_modules/.bin").join(name)
    }

    /// Binaryen's wasm-opt from npm (Debian's is too old and breaks tables).
    pub fn wasm_opt(&self) -> PathBuf {
        self.root.join("node_modules/binaryen/bin/wasm-opt")
    }

    pub fn target_dir(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"))
    }

    /// A `cargo` command run from the workspace root.
    pub fn cargo(&self) -> Command {
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(&self.root);
        cmd
    }
}

/// Prints the step about to run, so a long command never looks stuck.
pub fn step(title: &str) {
    println!("\n==> {title}");
}

/// Runs a command to completion; a non-zero exit becomes a [`Failure`] naming
/// the step and what to do.
pub fn run(cmd: &mut Command, what: &str, hint: &str) -> Result {
    let status = cmd.status().map_err(|e| {
        Failure::new(
            what,
            format!("could not start {:?}: {e}. {hint}", cmd.get_program()),
        )
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("{what} (exit {status})"), hint))
    }
}

/// Runs a command and returns its standard output, or None if it can't run.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
