//! What an edge in workerd sent through its `send_email` binding: wrangler
//! logs each e-mail (at `info`) and writes its text to a file; read back
//! here from the edge's log, never a mock.

use std::path::Path;

/// One e-mail as the local run recorded it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Every e-mail recorded so far in the edge log at `log`.
pub fn recorded(log: &Path) -> Vec<Recorded> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let plain = strip_ansi(&text);
    plain
        .split("send_email binding called with MessageBuilder:")
        .skip(1)
        .filter_map(|chunk| {
            let field = |name: &str| {
                chunk
                    .lines()
                    .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string()))
            };
            let path = field("Text:")?;
            Some(Recorded {
                from: field("From:")?,
                to: field("To:")?,
                subject: field("Subject:")?,
                text: std::fs::read_to_string(path).ok()?,
            })
        })
        .collect()
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
