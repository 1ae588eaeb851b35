//! The OpenAPI step of `cargo xtask test`: the document served at
//! `/v1/openapi.json` must be true, and an outside tool is the judge of
//! that, not our own tests. First openapi-spec-validator checks that
//! `edge/openapi.json` is valid OpenAPI 3.1; then schemathesis fuzzes a
//! fresh edge in workerd from the document: no server error, statuses,
//! headers and bodies as documented, a 405 with `Allow` for every undeclared
//! method, and every request that violates the document refused.
//!
//! Both come from PyPI at the versions pinned in `xtask/fuzz/requirements.txt`,
//! installed into a project-local venv (`.tools/venv`, made with the
//! machine's `python3 -m venv`), never globally. The run is bounded and
//! repeatable: a fixed seed and number of examples (`xtask/fuzz/schemathesis.toml`),
//! and a time limit after which it is stopped and the step fails.

use crate::ctx::{output, run, step, Ctx, Failure, Result};
use crate::install::newer_than;
use presenza_tests::api::{Api, TestSite};
use presenza_tests::{EdgeOptions, LocalEdge};
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The venv, below the project-local tools.
const VENV: &str = ".tools/venv";
const REQUIREMENTS: &str = "xtask/fuzz/requirements.txt";
const CONFIG: &str = "xtask/fuzz/schemathesis.toml";
const DOCUMENT: &str = "edge/openapi.json";
/// Oldest Python the pinned schemathesis runs on.
const MIN_PYTHON_MINOR: u32 = 9;
/// The fuzzer takes well under a minute here; past this it is stuck.
const TIME_LIMIT: Duration = Duration::from_secs(600);
/// A visitor credential (`<id>.<secret>`) the fuzzer sends as itself.
const VISITOR: &str = "fuzzVisitor0000000000A.fuzzSecret000000000000000000000000000000000";

fn venv_bin(ctx: &Ctx, name: &str) -> PathBuf {
    ctx.path(VENV).join("bin").join(name)
}

/// Creates `.tools/venv` and installs the pinned requirements into it,
/// unless it already has them (a copy of the requirements file in the venv
/// says which it has).
pub fn ensure_venv(ctx: &Ctx) -> Result {
    let hint =
        "install Python 3.9+ with its venv module (e.g. apt-get install python3 python3-venv)";
    let version = output(Command::new("python3").arg("--version"))
        .ok_or_else(|| Failure::new("python3 not found", hint))?;
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.strip_prefix("3."))
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if minor < MIN_PYTHON_MINOR {
        return Err(Failure::new(format!("{} is too old", version.trim()), hint));
    }
    let python = venv_bin(ctx, "python");
    if !python.exists() {
        println!("    python3 -m venv {VENV}");
        run(
            Command::new("python3")
                .args(["-m", "venv", VENV])
                .current_dir(&ctx.root),
            "python3 -m venv .tools/venv",
            hint,
        )?;
    }
    let stamp = ctx.path(VENV).join("requirements.txt");
    if newer_than(&ctx.path(REQUIREMENTS), &stamp) || !venv_bin(ctx, "schemathesis").exists() {
        println!(
            "    pip install -r {REQUIREMENTS} into {VENV} (schemathesis, openapi-spec-validator)"
        );
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-r",
                    REQUIREMENTS,
                ])
                .current_dir(&ctx.root),
            "pip install (schemathesis)",
            "check that PyPI is reachable; `rm -rf .tools/venv` starts the venv again",
        )?;
        std::fs::copy(ctx.path(REQUIREMENTS), &stamp)
            .map_err(|e| Failure::new("recording the venv's requirements", e.to_string()))?;
    }
    Ok(())
}

/// What the fuzzer works on: made through the API, as a client would.
struct Fixture {
    site: TestSite,
    agent_token: String,
    conversation: String,
}

fn provision(url: &str) -> std::result::Result<Fixture, String> {
    let site = TestSite::create(url);
    let must = |what: &str, r: presenza_tests::api::Reply| {
        if r.is_success() {
            Ok(r)
        } else {
            Err(format!("{what}: {}", r.describe()))
        }
    };
    must(
        "PUT group sales",
        site.owner("PUT", "/groups/sales", Some(&json!({ "name": "Sales" }))),
    )?;
    let agent = must(
        "PUT agent fuzzer",
        site.owner(
            "PUT",
            "/agents/fuzzer",
            Some(&json!({ "name": "Fuzzer", "groups": ["sales"] })),
        ),
    )?;
    let agent_token = agent.body["token"]
        .as_str()
        .ok_or("a new agent has a token")?
        .to_string();
    must(
        "PUT agent giulia",
        site.owner(
            "PUT",
            "/agents/giulia",
            Some(&json!({ "name": "Giulia", "groups": ["sales"] })),
        ),
    )?;
    // Nobody is online, so the first message leaves contact details.
    let body = json!({
        "client_id": "fuzz-1", "text": "Hello", "group": "sales",
        "name": "Ann", "email": "ann@example.com"
    })
    .to_string();
    let sent = must(
        "POST visitor message",
        Api::new(url).send_raw(
            "POST",
            &site.path("/visitor/messages"),
            None,
            &[
                ("Content-Type", "application/json"),
                ("X-Presenza-Visitor", VISITOR),
            ],
            Some(body.as_bytes()),
        ),
    )?;
    let conversation = sent.body["conversation_id"]
        .as_str()
        .ok_or("a first message opens a conversation")?
        .to_string();
    Ok(Fixture {
        site,
        agent_token,
        conversation,
    })
}

pub fn test(ctx: &Ctx) -> Result {
    step("OpenAPI document is valid OpenAPI 3.1 (openapi-spec-validator)");
    run(
        Command::new(venv_bin(ctx, "openapi-spec-validator"))
            .arg(DOCUMENT)
            .current_dir(&ctx.root),
        "openapi-spec-validator edge/openapi.json",
        "fix edge/openapi.json where the validator points",
    )?;

    step("OpenAPI fuzzing against the edge in workerd (schemathesis)");
    let started = Instant::now();
    let edge = LocalEdge::start(EdgeOptions::for_test("fuzz"))
        .map_err(|e| Failure::new("starting the edge for the fuzzer", e.to_string()))?;
    let fx = provision(&edge.url)
        .map_err(|e| Failure::new("creating the fuzzer's site through the API", e))?;
    let work = ctx.target_dir().join("fuzz");
    std::fs::create_dir_all(&work)
        .map_err(|e| Failure::new("creating target/fuzz", e.to_string()))?;

    let mut cmd = Command::new(venv_bin(ctx, "schemathesis"));
    cmd.arg("--config-file")
        .arg(ctx.path(CONFIG))
        .args(["run", "--no-color"])
        // The document as the edge serves it, which is edge/openapi.json.
        .arg(format!("{}/v1/openapi.json", edge.url))
        .args(["--url", &edge.url]);
    for (var, flag) in [
        ("PRESENZA_FUZZ_SEED", "--seed"),
        ("PRESENZA_FUZZ_EXAMPLES", "--max-examples"),
    ] {
        if let Ok(value) = std::env::var(var) {
            cmd.args([flag, value.trim()]);
        }
    }
    cmd.current_dir(&work)
        .env("PRESENZA_FUZZ_ADMIN_TOKEN", &edge.options.admin_token)
        .env("PRESENZA_FUZZ_SITE", &fx.site.id)
        .env("PRESENZA_FUZZ_OWNER_KEY", &fx.site.owner_key)
        .env("PRESENZA_FUZZ_AGENT_TOKEN", &fx.agent_token)
        .env("PRESENZA_FUZZ_VISITOR", VISITOR)
        .env("PRESENZA_FUZZ_CONVERSATION", &fx.conversation);
    let what = "schemathesis";
    let hint = "each failure above has a curl line to reproduce it; the edge's log is in target/test-edges/fuzz-*";
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::new(what, format!("could not start schemathesis: {e}. {hint}")))?;
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::new(
                    format!("{what} (stopped after {} s)", TIME_LIMIT.as_secs()),
                    "the fuzzer ran past its time limit: see which operation it was on above",
                ));
            }
            Err(e) => return Err(Failure::new(what, e.to_string())),
        }
    };
    drop(edge);
    println!(
        "    fuzzing took {:.0} s (edge start included)",
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("{what} (exit {status})"), hint))
    }
}
