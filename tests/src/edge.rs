//! A local edge: `wrangler dev` running the built worker in workerd, bound to
//! 127.0.0.1, with its Durable Object state persisted in a folder so that a
//! restart keeps everything.

use std::fmt;
use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why the local edge could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum HarnessError {
    /// The worker has not been built (`edge/build/index.js` is missing).
    NotBuilt(PathBuf),
    /// wrangler is not installed in node_modules.
    NoWrangler(PathBuf),
    /// Spawning the process failed.
    Spawn(std::io::Error),
    /// wrangler exited before the edge answered.
    Exited { status: String, log: String },
    /// The edge did not answer `/v1/health` in time.
    Timeout { log: String },
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::NotBuilt(p) => write!(
                f,
                "the edge is not built ({} is missing): run `cargo xtask build edge`",
                p.display()
            ),
            HarnessError::NoWrangler(p) => write!(
                f,
                "wrangler is not installed ({} is missing): run `cargo xtask install`",
                p.display()
            ),
            HarnessError::Spawn(e) => write!(f, "could not start wrangler: {e}"),
            HarnessError::Exited { status, log } => {
                write!(
                    f,
                    "wrangler dev exited ({status}) before the edge answered; its log:\n{log}"
                )
            }
            HarnessError::Timeout { log } => {
                write!(
                    f,
                    "the edge did not answer /v1/health in time; wrangler's log:\n{log}"
                )
            }
        }
    }
}

impl std::error::Error for HarnessError {}

/// How to start a local edge.
/// The sender address of e-mail in local runs and tests.
pub const LOCAL_EMAIL_FROM: &str = "notifications@presenza.test";
/// The domain of reply addresses in local runs and tests (its mail is
/// posted to `/cdn-cgi/handler/email`, the Worker's `email` handler).
pub const LOCAL_REPLY_DOMAIN: &str = "reply.presenza.test";

#[derive(Clone, Debug)]
pub struct EdgeOptions {
    /// Port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// Where workerd keeps Durable Object storage between restarts.
    pub persist_dir: PathBuf,
    /// The platform admin token (guards `POST /v1/sites`).
    pub admin_token: String,
    /// Extra `--var NAME:VALUE` settings.
    pub vars: Vec<(String, String)>,
    /// Show wrangler's output on this terminal instead of a log file.
    pub inherit_output: bool,
    /// wrangler's `--log-level`: `warn` (quiet), `info` to see what the
    /// `send_email` binding records.
    pub log_level: &'static str,
}

impl EdgeOptions {
    /// A throwaway edge for a test: free port, fresh state under target/.
    pub fn for_test(name: &str) -> Self {
        let parent = workspace_root().join("target/test-edges");
        remove_stale_states(&parent, name);
        let dir = parent.join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        EdgeOptions {
            port: None,
            persist_dir: dir,
            admin_token: "test-admin-token".to_string(),
            vars: Vec::new(),
            inherit_output: false,
            log_level: "warn",
        }
    }

    /// Where wrangler's output goes (unless it is inherited).
    pub fn log_path(&self) -> PathBuf {
        self.persist_dir.join("wrangler.log")
    }
}

/// Removes `{name}-{pid}` state folders left by earlier runs whose process is gone.
fn remove_stale_states(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A running `wrangler dev`. Dropping it stops the whole process group
/// (wrangler and its workerd).
pub struct LocalEdge {
    child: Option<Child>,
    pub options: EdgeOptions,
    pub port: u16,
    pub url: String,
}

/// The workspace root (this crate sits one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(8787)
}

impl LocalEdge {
    pub fn start(options: EdgeOptions) -> Result<LocalEdge, HarnessError> {
        let port = options.port.unwrap_or_else(free_port);
        let mut edge = LocalEdge {
            child: None,
            url: format!("http://127.0.0.1:{port}"),
            port,
            options,
        };
        edge.spawn()?;
        Ok(edge)
    }

    /// Where wrangler's output goes (unless it is inherited).
    pub fn log_path(&self) -> PathBuf {
        self.options.log_path()
    }

    fn spawn(&mut self) -> Result<(), HarnessError> {
        let root = workspace_root();
        let built = root.join("edge/build/index.js");
        if !built.exists() {
            return Err(HarnessError::NotBuilt(built));
        }
        let wrangler = root.join("node_modules/wrangler/bin/wrangler.js");
        if !wrangler.exists() {
            return Err(HarnessError::NoWrangler(wrangler));
        }
        std::fs::create_dir_all(&self.options.persist_dir).map_err(HarnessError::Spawn)?;
        let mut cmd = Command::new("node");
        cmd.arg(&wrangler)
            .args(["dev", "--ip", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .arg("--inspector-port")
            .arg(free_port().to_string())
            .arg("--persist-to")
            .arg(&self.options.persist_dir)
            .args(["--show-interactive-dev-session=false", "--log-level"])
            .arg(self.options.log_level)
            .arg("--var")
            .arg(format!("ADMIN_TOKEN:{}", self.options.admin_token))
            // E-mail is recorded locally, never sent (see `mail` in tests).
            .arg("--var")
            .arg(format!("EMAIL_FROM:{LOCAL_EMAIL_FROM}"))
            .arg("--var")
            .arg(format!("EMAIL_REPLY_DOMAIN:{LOCAL_REPLY_DOMAIN}"));
        for (name, value) in &self.options.vars {
            cmd.arg("--var").arg(format!("{name}:{value}"));
        }
        cmd.current_dir(&root)
            .env("WRANGLER_SEND_METRICS", "false")
            // No fetch of the `Request.cf` placeholder from the network: it
            // fails offline with two stack traces at every start (the
            // runtime then uses its built-in placeholder anyway).
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("PRESENZA_SKIP_BUILD", "1")
            // wrangler must not wait for a keypress or open a browser.
            .env("CI", "true")
            .stdin(Stdio::null())
            // Own process group, so stop() reaches workerd too.
            .process_group(0);
        // If this process dies without stopping the edge (a panicking test,
        // Ctrl-C), the kernel tells wrangler to exit, and wrangler ends workerd.
        // SAFETY: prctl is async-signal-safe and touches only the child.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        if self.options.inherit_output {
            cmd.stdout(Stdio::inherit()).stderr(Stdio::inherit());
        } else {
            let log = File::create(self.log_path()).map_err(HarnessError::Spawn)?;
            let log2 = log.try_clone().map_err(HarnessError::Spawn)?;
            cmd.stdout(Stdio::from(log)).stderr(Stdio::from(log2));
        }
        let child = cmd.spawn().map_err(HarnessError::Spawn)?;
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(90))
    }

    fn read_log(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), HarnessError> {
        let started = Instant::now();
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(2))
            .build();
        let health = format!("{}/v1/health", self.url);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(HarnessError::Exited {
                        status: status.to_string(),
                        log: self.read_log(),
                    });
                }
            }
            if agent.get(&health).call().is_ok() {
                return Ok(());
            }
            if started.elapsed() > limit {
                let log = self.read_log();
                self.stop();
                return Err(HarnessError::Timeout { log });
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Stops the runtime (SIGTERM to the group, SIGKILL if it lingers).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = child.id() as i32;
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-group, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; whatever is left of the group is ended.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = child.wait();
    }

    /// Stops and starts the runtime on the same port and state folder.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop();
        self.spawn()
    }

    /// Waits until wrangler exits by itself (e.g. on Ctrl-C).
    pub fn wait(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut().and_then(|c| c.wait().ok());
        self.child = None;
        status
    }
}

impl Drop for LocalEdge {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One edge shared by all the tests of a test binary, started on first use.
///
/// It is spawned from a thread that never ends, because the kernel's
/// parent-death signal follows the spawning *thread*; the edge therefore lives
/// exactly as long as the test process.
pub fn shared_edge() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let name = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "shared".to_string());
        process_edge(EdgeOptions::for_test(&name))
    })
}

/// Starts an edge that lives as long as the test process (see
/// [`shared_edge`]), for the tests of one feature that need their own vars;
/// returns its URL, or panics if it does not start.
pub fn process_edge(options: EdgeOptions) -> String {
    {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            match LocalEdge::start(options) {
                Ok(edge) => {
                    let _ = tx.send(Ok(edge.url.clone()));
                    // Keep the edge (and this thread) alive until the process exits.
                    let _edge = edge;
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
        match rx.recv() {
            Ok(Ok(url)) => url,
            Ok(Err(e)) => panic!("could not start the local edge: {e}"),
            Err(_) => panic!("the edge starter thread died"),
        }
    }
}
