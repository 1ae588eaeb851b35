// Shared helpers for the edge benchmarks (tests/bench/edge-*.mjs): argument
// parsing, a tiny /v1 client, WebSocket helpers (the `ws` package from the
// workspace's node_modules) and percentiles. Loopback only.

import http from "node:http";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

export { WebSocket, performance };

/** `--url http://127.0.0.1:8787 --admin-token T --name value --flag ...` */
export function parseArgs(defaults = {}) {
  const args = { url: "http://127.0.0.1:8787", "admin-token": "test-admin-token", ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
    // A flag without a value (`--miniflare`): the next argument is another flag.
    else if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) args[a.slice(2)] = "true";
    else args[a.slice(2)] = argv[++i];
  }
  const u = new URL(args.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) || u.protocol !== "http:") {
    throw new Error(`benchmarks only run against a local edge (http://127.0.0.1:PORT), not ${args.url}`);
  }
  args.url = args.url.replace(/\/+$/, "");
  args.wsUrl = args.url.replace(/^http:/, "ws:");
  return args;
}

/** The edge vars given as `--var NAME=value,NAME=value` (none: `{}`). */
export function edgeVars(args) {
  return Object.fromEntries(
    (args.var ?? "")
      .split(",")
      .filter((kv) => kv.includes("="))
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

let agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Drops the pooled keep-alive connections (e.g. after the edge was stalled). */
export function freshConnections() {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
}

/** Requests sent again after a pooled keep-alive connection was found closed. */
export const retried = { count: 0 };

/**
 * One request; resolves {status, body (parsed JSON or text), headers, ms}.
 * A request on a reused keep-alive connection that the server closed just
 * before (ECONNRESET, "socket hang up", no response) never reached it: it
 * is sent once more on a new connection (counted in `retried`; `ms` is that
 * attempt's). Any other failure rejects, naming the request.
 */
export async function request(base, method, path, opts = {}) {
  try {
    return await attempt(base, method, path, opts);
  } catch (e) {
    if (!e.staleConnection) throw e;
    retried.count++;
    return attempt(base, method, path, { ...opts, fresh: true });
  }
}

function attempt(base, method, path, { token, body, headers = {}, httpAgent = agent, fresh = false } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(base + path);
    const h = { ...headers };
    let payload;
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      h["content-type"] = "application/json";
      h["content-length"] = payload.length;
    }
    const t0 = performance.now();
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: h,
        // A retry: a connection of its own, not one from the pool.
        agent: fresh ? false : httpAgent,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {}
          resolve({ status: res.statusCode, body: parsed, headers: res.headers, ms: performance.now() - t0 });
        });
        res.on("error", reject);
      },
    );
    let answered = false;
    req.on("response", () => {
      answered = true;
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on("error", (e) => {
      const err = new Error(`${method} ${path}: ${e.message}`);
      err.code = e.code;
      err.staleConnection = req.reusedSocket && !answered && e.code === "ECONNRESET";
      reject(err);
    });
    if (payload) req.write(payload);
    req.end();
  });
}

/** A request that must be 2xx; returns the body. */
export async function must(base, method, path, opts = {}) {
  const r = await request(base, method, path, opts);
  if (r.status < 200 || r.status >= 300) {
    throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body;
}

/**
 * A new site with `agents` agents (ids a0..), ungrouped unless `agentGroups[i]`
 * lists agent i's groups (the site's `groups` are created first). Benchmarks
 * load a site from one address (loopback), so its per-address visitor
 * limits are raised to the most (`limits`: false keeps the defaults).
 */
export async function createSite(args, { grace = 3600, agents = 1, limits = true, groups = [], agentGroups = [] } = {}) {
  const created = await must(args.url, "POST", "/v1/sites", { token: args["admin-token"] });
  const site = { id: created.site_id, ownerKey: created.owner_key, agents: [] };
  const most = 100_000;
  await must(args.url, "PUT", `/v1/sites/${site.id}/settings`, {
    token: site.ownerKey,
    body: {
      grace_period_secs: grace,
      ...(limits
        ? { limits: { sockets_per_address: most, conversations_per_address: most, conversations_per_minute: most } }
        : {}),
    },
  });
  for (const g of groups) {
    await must(args.url, "PUT", `/v1/sites/${site.id}/groups/${g}`, { token: site.ownerKey, body: { name: g } });
  }
  for (let i = 0; i < agents; i++) {
    const a = await must(args.url, "PUT", `/v1/sites/${site.id}/agents/a${i}`, {
      token: site.ownerKey,
      body: { name: `Agent ${i}`, groups: agentGroups[i] ?? [] },
    });
    site.agents.push({ id: `a${i}`, token: a.token });
  }
  return site;
}

/** The owner's GET stats of a site (sockets, counters, relays), on connections of its own. */
export function siteStats(args, site) {
  return must(args.url, "GET", `/v1/sites/${site.id}/stats`, { token: site.ownerKey, httpAgent: statsAgent });
}
const statsAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** PUT /agents/me/status as the agent (an HTTP session heartbeat). */
export function setStatus(args, site, agentToken, status, { message, session } = {}) {
  const body = { status };
  if (message) body.message = message;
  const headers = session ? { "x-presenza-session": session } : {};
  return must(args.url, "PUT", `/v1/sites/${site.id}/agents/me/status`, { token: agentToken, body, headers });
}

/**
 * Opens a socket; resolves {ws, first} once the first text frame arrives
 * (or once open if `waitFirst` is false). Rejects on error or after `timeoutMs`.
 */
export function openSocket(url, { headers, protocols, waitFirst = true, timeoutMs = 20_000, onMessage } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`socket ${url}: no ${waitFirst ? "first frame" : "open"} within ${timeoutMs} ms`));
    }, timeoutMs);
    let done = false;
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`socket ${url}: upgrade refused with HTTP ${res.statusCode}`));
    });
    ws.on("error", (e) => {
      if (!done) {
        clearTimeout(timer);
        reject(e);
      }
    });
    ws.on("open", () => {
      if (!waitFirst) {
        done = true;
        clearTimeout(timer);
        resolve({ ws, first: null });
      }
    });
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? data.toString("utf8") : data.toString();
      if (!done && waitFirst) {
        done = true;
        clearTimeout(timer);
        resolve({ ws, first: text });
      }
      if (onMessage) onMessage(text, ws);
    });
  });
}

/** Resolves with the first frame satisfying `pred(text, json)`, or rejects after `timeoutMs`. */
export function waitFrame(ws, pred, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const onMsg = (data) => {
      const text = data.toString();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {}
      if (pred(text, json)) {
        cleanup();
        resolve({ text, json, at: performance.now() });
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error("socket closed while waiting for a frame"));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching frame within ${timeoutMs} ms`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      ws.off("message", onMsg);
      ws.off("close", onClose);
    }
    ws.on("message", onMsg);
    ws.on("close", onClose);
  });
}

/** The subprotocols of a device socket: the token travels in one (never in the URL). */
export function deviceProtocols(token) {
  return ["presenza", `presenza.token.${token}`];
}

/** The visitor status string of a /live frame. */
export function statusOf(json) {
  if (!json) return undefined;
  if (typeof json.status === "string") return json.status;
  if (json.status && typeof json.status.status === "string") return json.status.status;
  return undefined;
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : "n/a");

/** A summary line without a target: a figure to compare with. */
export function reference(name, text) {
  console.log(`SUMMARY ${name}: ${text} [reference]`);
}

/** Prints the one-line summary `cargo xtask bench` collects. */
export function summary(name, text, ok) {
  const verdict = ok === null ? "target not measurable here" : ok ? "target met" : "TARGET MISSED";
  console.log(`SUMMARY ${name}: ${text} [${verdict}]`);
}
