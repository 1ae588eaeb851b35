// A local edge without `wrangler dev`: the built worker (edge/build/index.js +
// index_bg.wasm) run by Miniflare in workerd, the same runtime `wrangler dev`
// uses, but with no dev proxy (a second workerd) in front of it. That proxy
// holds ~7 descriptors per WebSocket, which caps `wrangler dev` at ~2,800
// sockets under a 20,000 `ulimit -n`; here workerd holds one per socket.
//
// Bindings mirror wrangler.toml: SITES = SiteObject and RELAYS = RelayObject
// (SQLite-backed Durable Objects), the [vars], ADMIN_TOKEN. Static assets are not served (the
// benchmarks only use /v1). Loopback only.
//
//   import { startEdge, startFloorEdge } from "./edge-miniflare.mjs";
//   const edge = await startEdge({ adminToken: "t" }); // {url, workerdPid, restart(), dispose()}
//   const relays = await startEdge({ adminToken: "t", vars: { RELAY_MAX_SOCKETS: "1500" } });
//
// `vars` override wrangler.toml's [vars] (RELAY_MAX_SOCKETS, RELAY_SYNC_MS,
// VISITOR_SOCKETS=site, TEST_FAULTS, KEEP_RESIDENT_FROM_VISITORS, ...);
// `buildDir` runs another build of the edge; `restart()` stops workerd and
// starts it again on the same storage (a deploy: sockets drop, objects are
// evicted).
//
// Also used by the e2e migration tests (tests/e2e/*-migration.test.mjs,
// through tests/e2e/store-lib.mjs), which run several runtimes in turn on one
// store (`persistDir`), and by tests/e2e/truncated-body.test.mjs.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Miniflare as installed with wrangler (hoisted, or nested under wrangler). */
async function loadMiniflare() {
  try {
    return await import("miniflare");
  } catch {
    const req = createRequire(path.join(root, "node_modules/wrangler/package.json"));
    return await import(pathToFileURL(req.resolve("miniflare")).href);
  }
}

/** The [vars] of wrangler.toml (flat `KEY = "value"` lines only). */
function wranglerVars() {
  const text = fs.readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const vars = {};
  let inVars = false;
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t.startsWith("[")) inVars = t === "[vars]";
    else if (inVars) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"/.exec(t);
      if (m) vars[m[1]] = m[2];
    }
  }
  return vars;
}

function compatibilityDate() {
  const text = fs.readFileSync(path.join(root, "wrangler.toml"), "utf8");
  return /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1] ?? "2025-09-01";
}

/** The pid of the workerd this process started last (a child of ours). */
function workerdChild() {
  let best = null;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) best = Math.max(best ?? 0, Number(entry));
    } catch {}
  }
  return best;
}

/**
 * Starts `workerOptions` in workerd. Durable Object storage lives in a new
 * temporary folder removed on dispose, or in `persistDir` when given (kept:
 * several edges in turn can then share one store, as across a deploy).
 */
export async function start(workerOptions, { persist = true, persistDir: shared, inspectorPort, direct = true } = {}) {
  const { Miniflare, Log, LogLevel } = await loadMiniflare();
  const persistDir = shared ?? (persist ? fs.mkdtempSync(path.join(os.tmpdir(), "presenza-bench-edge-")) : null);
  const owned = persistDir !== null && !shared;
  const options = {
    host: "127.0.0.1",
    port: 0,
    log: new Log(LogLevel.WARN),
    // No request.cf lookup (it would fetch from the internet): a placeholder.
    cf: false,
    ...(inspectorPort ? { inspectorPort } : {}),
    ...(persistDir ? { durableObjectsPersist: persistDir } : {}),
    compatibilityDate: compatibilityDate(),
    ...workerOptions,
    // A socket straight to the worker: without it, requests first pass
    // through Miniflare's own entry worker, which production does not have
    // (and every WebSocket frame then crosses one more in-process pipe).
    ...(direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
  };
  const launch = async () => {
    const mf = new Miniflare(options);
    try {
      await mf.ready;
      const url = (direct ? await mf.unsafeGetDirectURL() : await mf.ready).toString().replace(/\/+$/, "");
      return { mf, url, workerdPid: workerdChild() };
    } catch (e) {
      await mf.dispose().catch(() => {});
      throw e;
    }
  };
  let running;
  try {
    running = await launch();
  } catch (e) {
    if (owned) fs.rmSync(persistDir, { recursive: true, force: true });
    throw e;
  }
  const edge = {
    ...running,
    persistDir,
    /**
     * Stops workerd and starts it again on the same storage (as a deploy
     * does): every socket drops, every object starts anew. The edge gets a
     * new URL and workerd pid. Needs persistent storage.
     */
    async restart() {
      if (!persistDir) throw new Error("restart needs persistent storage");
      await edge.mf.dispose().catch(() => {});
      Object.assign(edge, await launch());
      return edge;
    },
    async dispose() {
      await edge.mf.dispose().catch(() => {});
      if (owned) fs.rmSync(persistDir, { recursive: true, force: true });
    },
  };
  return edge;
}

/** The Presenza edge from edge/build. */
export async function startEdge({ adminToken, buildDir = path.join(root, "edge/build"), vars = {}, ...opts } = {}) {
  const js = path.join(buildDir, "index.js");
  const wasm = path.join(buildDir, "index_bg.wasm");
  for (const f of [js, wasm]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`cargo xtask build edge\``);
  }
  return start(
    {
      name: "presenza",
      modules: [
        { type: "ESModule", path: js, contents: fs.readFileSync(js, "utf8") },
        { type: "CompiledWasm", path: wasm, contents: fs.readFileSync(wasm) },
      ],
      modulesRoot: buildDir,
      durableObjects: {
        SITES: { className: "SiteObject", useSQLite: true },
        RELAYS: { className: "RelayObject", useSQLite: true },
        DIRECTORY: { className: "DirectoryObject", useSQLite: true },
      },
      bindings: { ...wranglerVars(), ...vars, ADMIN_TOKEN: adminToken },
    },
    opts,
  );
}

// The runtime's floor for the same fan-out: a plain JS Durable Object that
// accepts hibernatable visitor sockets and, on PUT /flip/{site}?status=S,
// writes one SQLite row and sends a Presenza-sized status frame to all of them;
// on GET /apply/{site} it does what a relay does for a change none of its
// widgets watches (one row written, an unwatched audience looked up; with
// ?count, every socket counted too).
const FLOOR_WORKER = `
import { DurableObject } from "cloudflare:workers";
let constructed = 0;
export class Floor extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    constructed++;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS s (k TEXT PRIMARY KEY, v TEXT)");
  }
  frame(status) {
    return JSON.stringify({ status, reason: "manual", message: null, back_at: null,
      next_change: "2026-01-01T00:00:00Z", group: null });
  }
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/live/")) {
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1], ["visitor", "aud:site"]);
      pair[1].serializeAttachment({ kind: "visitor", group: null });
      pair[1].send(this.frame("offline"));
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (url.pathname.startsWith("/apply/")) {
      // What a relay does for a change none of its widgets watches: one
      // row written, the sockets of an audience nobody watches looked up.
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO s VALUES ('snapshot', ?)", String(Date.now()));
      let n = 0;
      for (const ws of this.ctx.getWebSockets("aud:other")) n++;
      // ?count: also counts every socket the object holds (a relay's ack).
      const sockets = url.searchParams.has("count") ? this.ctx.getWebSockets("aud:site").length : null;
      return Response.json({ sent: n, sockets });
    }
    const status = url.searchParams.get("status") ?? "online";
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO s VALUES ('aud:site', ?)", status);
    const text = this.frame(status);
    let n = 0;
    for (const ws of this.ctx.getWebSockets("aud:site")) {
      try { ws.send(text); n++; } catch {}
    }
    return Response.json({ sent: n, constructed });
  }
  webSocketMessage(ws, m) { if (m === "ping") ws.send("pong"); }
  webSocketClose(ws) { try { ws.close(1000, "closed"); } catch {} }
}
export default {
  fetch(req, env) {
    if (new URL(req.url).pathname === "/health") return new Response("ok");
    const site = new URL(req.url).pathname.split("/")[2] ?? "x";
    return env.FLOOR.get(env.FLOOR.idFromName(site)).fetch(req);
  },
};
`;

/** The trivial JS fan-out worker (see FLOOR_WORKER). */
export async function startFloorEdge(opts = {}) {
  return start(
    {
      name: "floor",
      modules: [{ type: "ESModule", path: "floor.mjs", contents: FLOOR_WORKER }],
      durableObjects: { FLOOR: { className: "Floor", useSQLite: true } },
    },
    opts,
  );
}

/** utime + stime of a process in ms (NaN if unreadable). */
export function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ = 100 on Linux
  } catch {
    return NaN;
  }
}
