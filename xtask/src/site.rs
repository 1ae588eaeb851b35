//! `cargo xtask site ...`: a site's set-up from a terminal, through the same
//! HTTP API as the platform page and the console (request bodies are the
//! protocol's types, never JSON written by hand):
//!
//! - `site list`: the deployment's sites (admin token);
//! - `site create [NAME]`: a new site, its owner key shown once (admin
//!   token);
//! - `site agent SITE ID NAME [GROUP...]`: adds or updates an agent, its
//!   token shown when new (owner key);
//! - `site rotate SITE AGENT`: a new token for an agent (owner key), or
//!   `site rotate SITE --owner` a new owner key;
//! - `site snippet SITE [GROUP]`: the embed snippet, once the edge says the
//!   site (and group) exist.
//!
//! The edge is `PRESENZA_URL` (default `http://127.0.0.1:$PORT`, 8787); the
//! admin token `ADMIN_TOKEN`, else the one `cargo xtask run` keeps in
//! `.state/admin-token`; the owner key `PRESENZA_OWNER_KEY`.

use crate::ctx::{Ctx, Failure, Result};
use presenza_protocol::body::{AgentBody, CreateSiteBody};
use presenza_protocol::view::{AgentView, OwnerKeyView, SiteCreatedView, SiteListView};
use presenza_tests::api::{Api, Reply};
use serde::de::DeserializeOwned;

pub const USAGE: &str = "usage: cargo xtask site <command>

  list                          the deployment's sites (admin token)
  create [NAME]                 a new site; prints its id, owner key (shown once) and console
  agent SITE ID NAME [GROUP...] adds (or updates) an agent; prints its sign-in token when new
  rotate SITE AGENT             a new sign-in token for the agent (the old one stops at once)
  rotate SITE --owner           a new owner key (the old one stops at once)
  snippet SITE [GROUP]          the embed snippet to paste before </body>

  env: PRESENZA_URL (default http://127.0.0.1:$PORT, PORT 8787), ADMIN_TOKEN (else
       .state/admin-token of `cargo xtask run`), PRESENZA_OWNER_KEY (agent, rotate)";

/// What the command line asks for, parsed once.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    List,
    Create {
        name: Option<String>,
    },
    Agent {
        site: String,
        id: String,
        name: String,
        groups: Vec<String>,
    },
    Rotate {
        site: String,
        agent: Option<String>,
    },
    Snippet {
        site: String,
        group: Option<String>,
    },
}

impl Command {
    pub fn parse(args: &[String]) -> std::result::Result<Command, String> {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        match a.as_slice() {
            ["list"] => Ok(Command::List),
            ["create"] => Ok(Command::Create { name: None }),
            ["create", name @ ..] => Ok(Command::Create {
                name: Some(name.join(" ")),
            }),
            ["agent", site, id, name, groups @ ..] => Ok(Command::Agent {
                site: site.to_string(),
                id: id.to_string(),
                name: name.to_string(),
                groups: groups.iter().map(|g| g.to_string()).collect(),
            }),
            ["rotate", site, "--owner"] => Ok(Command::Rotate {
                site: site.to_string(),
                agent: None,
            }),
            ["rotate", site, agent] => Ok(Command::Rotate {
                site: site.to_string(),
                agent: Some(agent.to_string()),
            }),
            ["snippet", site] => Ok(Command::Snippet {
                site: site.to_string(),
                group: None,
            }),
            ["snippet", site, group] => Ok(Command::Snippet {
                site: site.to_string(),
                group: Some(group.to_string()),
            }),
            [] => Err("which site command?".into()),
            [cmd, ..] => Err(format!(
                "`site {cmd}` is not a command, or its arguments are wrong"
            )),
        }
    }
}

pub fn site(ctx: &Ctx, args: &[String]) -> Result {
    let command = Command::parse(args).map_err(|why| Failure::new(why, USAGE))?;
    let url = edge_url();
    let api = Api::new(&url);
    match command {
        Command::List => {
            let list: SiteListView = answer(
                "GET /v1/sites",
                api.get("/v1/sites", Some(&admin_token(ctx)?)),
            )?;
            if list.sites.is_empty() {
                println!("no site yet: cargo xtask site create NAME");
            }
            for s in list.sites {
                println!(
                    "{}  {}",
                    s.site_id,
                    s.name.as_deref().unwrap_or("(unnamed)")
                );
            }
        }
        Command::Create { name } => {
            let body = CreateSiteBody {
                name,
                ..CreateSiteBody::default()
            };
            let made: SiteCreatedView = answer(
                "POST /v1/sites",
                api.post("/v1/sites", Some(&admin_token(ctx)?), Some(&json(&body)?)),
            )?;
            println!("site:      {}", made.site_id);
            println!("owner key: {}   (shown once: keep it)", made.owner_key);
            println!("console:   {url}/console/?site={}", made.site_id);
            println!(
                "next:      PRESENZA_OWNER_KEY=<owner key> cargo xtask site agent {} <id> <name>",
                made.site_id
            );
        }
        Command::Agent {
            site,
            id,
            name,
            groups,
        } => {
            let body = AgentBody {
                name,
                groups,
                email: None,
            };
            let path = format!("/v1/sites/{site}/agents/{id}");
            let agent: AgentView = answer(
                &format!("PUT {path}"),
                api.put(&path, Some(&owner_key()?), &json(&body)?),
            )?;
            match agent.token {
                Some(token) => println!("agent {} created; sign-in token: {token}", agent.id),
                None => println!("agent {} updated (its token is unchanged)", agent.id),
            }
        }
        Command::Rotate { site, agent } => {
            let key = owner_key()?;
            match agent {
                Some(agent) => {
                    let path = format!("/v1/sites/{site}/agents/{agent}/token");
                    let view: AgentView =
                        answer(&format!("POST {path}"), api.post(&path, Some(&key), None))?;
                    println!(
                        "new sign-in token of {}: {}",
                        view.id,
                        view.token.unwrap_or_default()
                    );
                }
                None => {
                    let path = format!("/v1/sites/{site}/owner-key");
                    let view: OwnerKeyView =
                        answer(&format!("POST {path}"), api.post(&path, Some(&key), None))?;
                    println!("new owner key: {}   (shown once: keep it)", view.owner_key);
                }
            }
        }
        Command::Snippet { site, group } => {
            // The edge says whether the site and the group exist.
            let query = group
                .as_deref()
                .map(|g| format!("?group={g}"))
                .unwrap_or_default();
            let path = format!("/v1/sites/{site}/widget-config{query}");
            answer::<serde_json::Value>(&format!("GET {path}"), api.get(&path, None))?;
            println!(
                "{}",
                presenza_protocol::embed::snippet(&url, &site, group.as_deref())
            );
        }
    }
    Ok(())
}

fn edge_url() -> String {
    std::env::var("PRESENZA_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| {
            let port = std::env::var("PORT").unwrap_or_else(|_| "8787".into());
            format!("http://127.0.0.1:{port}")
        })
        .trim_end_matches('/')
        .to_string()
}

fn admin_token(ctx: &Ctx) -> Result<String> {
    if let Some(t) = std::env::var("ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(t.trim().to_string());
    }
    std::fs::read_to_string(ctx.path(".state/admin-token"))
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Failure::new(
                "no admin token",
                "set ADMIN_TOKEN (or run `cargo xtask run` once, which keeps one in .state/)",
            )
        })
}

fn owner_key() -> Result<String> {
    std::env::var("PRESENZA_OWNER_KEY")
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            Failure::new(
                "no owner key",
                "set PRESENZA_OWNER_KEY to the site's owner key (`site create` printed it)",
            )
        })
}

fn json<T: serde::Serialize>(body: &T) -> Result<serde_json::Value> {
    serde_json::to_value(body).map_err(|e| Failure::new("encoding the request", e.to_string()))
}

/// The answer as the protocol type, or the edge's own error words.
fn answer<T: DeserializeOwned>(what: &str, reply: Reply) -> Result<T> {
    if reply.status == 0 {
        return Err(Failure::new(
            format!("{what}: the edge could not be reached ({})", reply.body),
            "start it with `cargo xtask run`, or set PRESENZA_URL",
        ));
    }
    if !(200..300).contains(&reply.status) {
        let message = reply.body["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| reply.body.to_string());
        return Err(Failure::new(
            format!("{what}: HTTP {} {message}", reply.status),
            "see the edge's words above",
        ));
    }
    serde_json::from_value(reply.body)
        .map_err(|e| Failure::new(format!("{what}: unexpected answer"), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::Command;

    fn parse(line: &str) -> Result<Command, String> {
        Command::parse(
            &line
                .split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn commands() {
        assert_eq!(parse("list"), Ok(Command::List));
        assert_eq!(parse("create"), Ok(Command::Create { name: None }));
        assert_eq!(
            parse("create Corner Shop"),
            Ok(Command::Create {
                name: Some("Corner Shop".into())
            })
        );
        assert_eq!(
            parse("agent s_1 ann Ann sales support"),
            Ok(Command::Agent {
                site: "s_1".into(),
                id: "ann".into(),
                name: "Ann".into(),
                groups: vec!["sales".into(), "support".into()],
            })
        );
        assert_eq!(
            parse("rotate s_1 --owner"),
            Ok(Command::Rotate {
                site: "s_1".into(),
                agent: None
            })
        );
        assert_eq!(
            parse("snippet s_1 sales"),
            Ok(Command::Snippet {
                site: "s_1".into(),
                group: Some("sales".into())
            })
        );
        assert!(parse("").is_err());
        assert!(parse("agent s_1 ann").is_err());
        assert!(parse("delete s_1").is_err());
    }
}
