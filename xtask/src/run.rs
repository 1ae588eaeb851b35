//! `cargo xtask run`: the whole system on this machine. Builds, starts the
//! edge in workerd (wrangler dev) with state persisted under `.state/`,
//! provisions a demo site on first start and prints where everything is.

use crate::ctx::{step, Ctx, Failure, Result};
use crate::install::{self, Purpose};
use presenza_tests::api::Api;
use presenza_tests::{EdgeOptions, LocalEdge};
use serde_json::{json, Value};

pub fn run(ctx: &Ctx) -> Result {
    install::ensure(ctx, Purpose::Run)?;
    crate::build_all(ctx)?;

    let state = ctx.path(".state");
    std::fs::create_dir_all(&state).map_err(|e| Failure::new("creating .state/", e.to_string()))?;
    let admin_token = admin_token(ctx)?;
    let port = match std::env::var("PORT") {
        Ok(p) => p.parse::<u16>().map_err(|_| {
            Failure::new(
                format!("PORT={p} is not a port number"),
                "set PORT to 1-65535 or unset it",
            )
        })?,
        Err(_) => 8787,
    };

    step(&format!(
        "Starting the edge in workerd (wrangler dev) on 127.0.0.1:{port}"
    ));
    let mut edge = LocalEdge::start(EdgeOptions {
        port: Some(port),
        persist_dir: state.join("edge"),
        admin_token: admin_token.clone(),
        vars: Vec::new(),
        inherit_output: true,
        log_level: "warn",
    })
    .map_err(|e| {
        Failure::new(
            "starting wrangler dev",
            format!("{e}\n  is port {port} free? set PORT=... to use another"),
        )
    })?;

    step("Provisioning the demo site");
    let demo = provision_demo(ctx, &edge.url, &admin_token)?;
    print_banner(&edge.url, &admin_token, &demo);

    // wrangler runs until Ctrl-C; if this process is interrupted first, the
    // kernel's parent-death signal stops wrangler and workerd with it.
    edge.wait();
    Ok(())
}

/// `ADMIN_TOKEN` from the environment, else one generated once and kept in
/// `.state/admin-token` so the demo site stays reachable across runs.
fn admin_token(ctx: &Ctx) -> Result<String> {
    if let Ok(token) = std::env::var("ADMIN_TOKEN") {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_string());
        }
    }
    let path = ctx.path(".state/admin-token");
    if let Ok(token) = std::fs::read_to_string(&path) {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_string());
        }
    }
    let token = random_hex(32)?;
    std::fs::write(&path, &token)
        .map_err(|e| Failure::new("writing .state/admin-token", e.to_string()))?;
    Ok(token)
}

pub fn random_hex(bytes: usize) -> Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Failure::new("reading /dev/urandom", e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The demo site: groups "sales" and "support", Giulia in sales, Tomáš in no
/// group (he answers every group and the whole site). Created once; its keys
/// are kept in `.state/demo.json`.
fn provision_demo(ctx: &Ctx, url: &str, admin_token: &str) -> Result<Value> {
    let api = Api::new(url);
    let path = ctx.path(".state/demo.json");
    if let Some(demo) = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    {
        let site = demo["site_id"].as_str().unwrap_or_default();
        if api.get(&format!("/v1/sites/{site}/status"), None).status == 200 {
            println!("    demo site {site} already provisioned");
            return Ok(demo);
        }
    }
    let fail = |what: &str, reply: &presenza_tests::api::Reply| {
        Failure::new(
            format!("{what}: HTTP {} {}", reply.status, reply.body),
            "the edge answered with an error; see wrangler's output above",
        )
    };
    let created = api.post("/v1/sites", Some(admin_token), None);
    if created.status != 201 {
        return Err(fail("POST /v1/sites", &created));
    }
    let site = created.body["site_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let owner = created.body["owner_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for (id, name) in [("sales", "Sales"), ("support", "Support")] {
        let r = api.put(
            &format!("/v1/sites/{site}/groups/{id}"),
            Some(&owner),
            &json!({ "name": name }),
        );
        if r.status >= 300 {
            return Err(fail("creating a demo group", &r));
        }
    }
    let mut agents = serde_json::Map::new();
    for (id, name, groups) in [
        ("giulia", "Giulia Rossi", json!(["sales"])),
        ("tomas", "Tomáš Novák", json!([])),
    ] {
        let r = api.put(
            &format!("/v1/sites/{site}/agents/{id}"),
            Some(&owner),
            &json!({ "name": name, "groups": groups }),
        );
        if r.status >= 300 {
            return Err(fail("creating a demo agent", &r));
        }
        agents.insert(
            id.to_string(),
            json!({ "name": name, "groups": groups, "token": r.body["token"] }),
        );
    }
    let demo = json!({ "site_id": site, "owner_key": owner, "agents": agents });
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&demo).unwrap_or_default(),
    )
    .map_err(|e| Failure::new("writing .state/demo.json", e.to_string()))?;
    println!("    created demo site {site}");
    Ok(demo)
}

fn print_banner(url: &str, admin_token: &str, demo: &Value) {
    let site = demo["site_id"].as_str().unwrap_or_default();
    println!("\n==> Presenza is running (Ctrl-C stops it)\n");
    println!("  Your sites (admin token):   {url}/platform/");
    println!("  Demo page with the widget:  {url}/?site={site}");
    println!("  Same page, pinned to Sales: {url}/?site={site}&group=sales");
    println!("  Agent console:              {url}/console/?site={site}");
    println!("  Status endpoint:            {url}/v1/sites/{site}/status");
    println!("  API description:            {url}/v1/openapi.json\n");
    println!("  Admin token (POST /v1/sites): {admin_token}");
    println!(
        "  Owner key of the demo site:   {}",
        demo["owner_key"].as_str().unwrap_or_default()
    );
    if let Some(agents) = demo["agents"].as_object() {
        for (id, agent) in agents {
            println!(
                "  Agent {id} ({}) sign-in token: {}",
                agent["name"].as_str().unwrap_or_default(),
                agent["token"].as_str().unwrap_or_default()
            );
        }
    }
    println!(
        "\n  Take an agent online from a shell:\n    curl -X PUT -H 'Authorization: Bearer <agent token>' -H 'Content-Type: application/json' \\\n      -d '{{\"status\":\"online\"}}' {url}/v1/sites/{site}/agents/me/status\n"
    );
}
