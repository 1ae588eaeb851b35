// What a site's history costs its agents: a device's hello (its socket's
// first frame: the agent, every audience and how many conversations wait)
// and one inbox page (GET conversations?limit=100), at 1,000 and 20,000
// conversations. Every site runs on one thread, so these times are what
// everyone on the site waits for while they run.
//
//   node tests/bench/edge-history.mjs --miniflare [--sizes 1000,20000] [--samples 15]
//   node tests/bench/edge-history.mjs --url http://127.0.0.1:8787 --admin-token T ...
//
// `--miniflare` (what `cargo xtask bench` uses) starts its own edge (edge/build
// in workerd, no wrangler dev proxy and no rate-limiting shield, so one
// address may create the history quickly). Conversations come from the
// visitor API (one per fresh visitor); a tenth are answered (by 40 agents:
// each agent's own rate limit holds), a fifth closed.
// Targets at 20,000: hello <= 30 ms, inbox page <= 15 ms (medians).

import http from "node:http";
import { randomBytes } from "node:crypto";
import { parseArgs, createSite, request, openSocket, percentile, performance, fmt, summary, deviceProtocols } from "./edge-common.mjs";
import { startEdge } from "./edge-miniflare.mjs";

const args = parseArgs({ sizes: "1000,20000", samples: "15", concurrency: "16" });
const sizes = args.sizes.split(",").map((s) => parseInt(s, 10));
const samples = Math.max(3, parseInt(args.samples, 10));
const concurrency = Math.max(1, parseInt(args.concurrency, 10));

const b64 = (n) => randomBytes(n).toString("base64url");

/** A request, retried when a kept-alive connection was reset (every seeding
 * call is idempotent: client ids, closes). */
async function retried(...call) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request(...call);
    } catch (e) {
      if (attempt >= 3 || e.code !== "ECONNRESET") throw e;
    }
  }
}

async function mustRetried(base, method, path, opts) {
  const r = await retried(base, method, path, opts);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** `n` conversations on `site`, each from a fresh visitor; some answered or closed. */
async function seed(edge, site, n) {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const visitor = `${b64(16)}.${b64(32)}`;
        const r = await retried(edge.url, "POST", `/v1/sites/${site.id}/visitor/messages`, {
          body: { client_id: "c_1", text: `Question ${i}`, name: "Ann", email: "ann@example.com" },
          headers: { "x-presenza-visitor": visitor },
          httpAgent,
        });
        if (r.status !== 201) throw new Error(`visitor message ${i}: ${r.status} ${JSON.stringify(r.body)}`);
        const id = r.body.conversation_id;
        const agentToken = site.agents[Math.floor(i / 10) % site.agents.length].token;
        if (i % 10 === 0) {
          await mustRetried(edge.url, "POST", `/v1/sites/${site.id}/conversations/${id}/messages`, {
            token: agentToken,
            body: { client_id: `r_${i}`, text: "Answer" },
            httpAgent,
          });
        }
        if (i % 5 === 0) {
          await mustRetried(edge.url, "POST", `/v1/sites/${site.id}/conversations/${id}/close`, { token: agentToken, httpAgent });
        }
      }
    }),
  );
  httpAgent.destroy();
  return (performance.now() - started) / 1000;
}

/** Median and p99 of `samples` runs of `once` (ms each). */
async function time(once) {
  const ms = [];
  for (let i = 0; i < samples; i++) ms.push(await once());
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function measure(edge, n) {
  const site = await createSite({ ...args, url: edge.url }, { grace: 3600, agents: 40 });
  const token = site.agents[0].token;
  const secs = await seed(edge, site, n);
  const wsUrl = edge.url.replace(/^http:/, "ws:");
  const hello = await time(async () => {
    const t0 = performance.now();
    const { ws } = await openSocket(`${wsUrl}/v1/sites/${site.id}/agents/me/session`, { protocols: deviceProtocols(token) });
    const ms = performance.now() - t0;
    ws.close();
    return ms;
  });
  const inbox = await time(async () => {
    const r = await request(edge.url, "GET", `/v1/sites/${site.id}/conversations?limit=100`, { token });
    if (r.status !== 200 || r.body.conversations.length === 0) throw new Error(`inbox: ${r.status}`);
    return r.ms;
  });
  const closed = await time(async () => {
    const r = await request(edge.url, "GET", `/v1/sites/${site.id}/conversations?state=closed&limit=100`, { token });
    if (r.status !== 200) throw new Error(`closed inbox: ${r.status}`);
    return r.ms;
  });
  console.log(
    `  ${String(n).padStart(6)} conversations (seeded in ${secs.toFixed(0)} s): device hello p50 ${fmt(hello.p50)} ` +
      `p99 ${fmt(hello.p99)}; inbox page p50 ${fmt(inbox.p50)} p99 ${fmt(inbox.p99)}; closed page p50 ${fmt(closed.p50)}`,
  );
  return { n, hello, inbox };
}

let edge;
if (args.miniflare !== undefined) edge = await startEdge({ adminToken: args["admin-token"] });
else edge = { url: args.url, async dispose() {} };
try {
  console.log(`history: ${samples} samples each, medians (p50) and p99, at ${sizes.join(", ")} conversations`);
  const results = [];
  for (const n of sizes) results.push(await measure(edge, n));
  const largest = results[results.length - 1];
  const line = results
    .map((r) => `${r.n}: hello ${fmt(r.hello.p50)}, inbox page ${fmt(r.inbox.p50)}`)
    .join("; ");
  summary(
    "history",
    `${line} (targets at 20,000: hello <= 30 ms, inbox page <= 15 ms)`,
    largest.n >= 20000 ? largest.hello.p50 <= 30 && largest.inbox.p50 <= 15 : null,
  );
} finally {
  await edge.dispose();
}
