// Visitor lookup throughput: requests/s and latency of GET /v1/sites/{site}/status
// against GET /v1/ping (a constant answer from the same worker), in the same
// run, with a fixed number of keep-alive connections and a bounded duration.
//
//   node tests/bench/edge-lookup.mjs --url http://127.0.0.1:8787 \
//     --admin-token test-admin-token [--connections 32] [--seconds 5]
//
// Status answers say whether this location's cache (the Cache API, at most
// 3 s per entry) answered: X-Presenza-Cache hit or miss, counted here. A third
// load asks the same status from the origin every time: each request names
// another host (Host: l<N>.localhost:PORT), so its cache key (the Worker's own
// origin is part of it) was never stored and every lookup misses and goes on
// to the relay of the visitor's region (its snapshot; issue 12), as a
// location whose entry expired does. The three loads are interleaved in two
// rounds so a noisy neighbour hurts them alike.
//
// Target: status req/s >= 0.5 x ping req/s.

import http from "node:http";
import {
  parseArgs,
  createSite,
  setStatus,
  request,
  percentile,
  performance,
  sleep,
  fmt,
  summary,
  reference,
} from "./edge-common.mjs";

const args = parseArgs({ connections: "32", seconds: "5", "target-ratio": "0.5" });
const connections = Math.min(256, Math.max(1, parseInt(args.connections, 10)));
const seconds = Math.min(60, Math.max(1, Number(args.seconds)));
const targetRatio = Number(args["target-ratio"]);

const port = new URL(args.url).port;
let hostSeq = 0;

/** `origin`: every request names a new host, so this location's cache never has it. */
async function load(path, durationMs, { origin = false, name = path } = {}) {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = new Map();
  const cache = { hit: 0, miss: 0 };
  let errors = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        try {
          const headers = origin ? { host: `l${hostSeq++}.localhost:${port}` } : {};
          const r = await request(args.url, "GET", path, { httpAgent, headers });
          latencies.push(r.ms);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          const state = r.headers["x-presenza-cache"];
          if (state === "hit" || state === "miss") cache[state]++;
        } catch {
          errors++;
          await sleep(10);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  httpAgent.destroy();
  return {
    path: name,
    cache,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    count: latencies.length,
    errors,
    not200: latencies.length - (statuses.get(200) ?? 0),
    statuses: Object.fromEntries(statuses),
  };
}

const site = await createSite(args, { grace: 3600, agents: 1 });
await setStatus(args, site, site.agents[0].token, "online", { session: "bench" });
const statusPath = `/v1/sites/${site.id}/status`;
const first = await request(args.url, "GET", statusPath);
if (first.status !== 200) throw new Error(`GET ${statusPath} -> ${first.status} ${JSON.stringify(first.body)}`);

console.log(`lookup: ${connections} keep-alive connections, ${seconds} s per endpoint (after 1 s warm-up each)`);
const originName = "origin";
await load("/v1/ping", 1000);
await load(statusPath, 1000);
await load(statusPath, 1000, { origin: true, name: originName });
// Interleave two rounds so a noisy neighbour hurts every load alike.
const rounds = [];
for (let i = 0; i < 2; i++) {
  rounds.push(await load("/v1/ping", (seconds * 1000) / 2));
  rounds.push(await load(statusPath, (seconds * 1000) / 2));
  rounds.push(await load(statusPath, (seconds * 1000) / 2, { origin: true, name: originName }));
}
function merge(path) {
  const rs = rounds.filter((r) => r.path === path);
  const count = rs.reduce((a, r) => a + r.count, 0);
  const hit = rs.reduce((a, r) => a + r.cache.hit, 0);
  const miss = rs.reduce((a, r) => a + r.cache.miss, 0);
  return {
    hit,
    miss,
    hitRatio: hit + miss > 0 ? hit / (hit + miss) : NaN,
    rps: rs.reduce((a, r) => a + r.rps, 0) / rs.length,
    p50: Math.max(...rs.map((r) => r.p50)),
    p99: Math.max(...rs.map((r) => r.p99)),
    count,
    errors: rs.reduce((a, r) => a + r.errors, 0),
    not200: rs.reduce((a, r) => a + r.not200, 0),
    statuses: rs.map((r) => JSON.stringify(r.statuses)).join(" "),
  };
}
const ping = merge("/v1/ping");
const status = merge(statusPath);
const origin = merge(originName);
for (const [name, r] of [
  ["GET /v1/ping", ping],
  ["GET status", status],
  ["GET status, never cached (origin)", origin],
]) {
  console.log(
    `  ${name.padEnd(33)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  ` +
      `(${r.count} requests, ${r.errors} errors, statuses ${r.statuses}` +
      (r.hit + r.miss > 0 ? `; X-Presenza-Cache hit ${r.hit}, miss ${r.miss}: ${(100 * r.hitRatio).toFixed(1)}% hits` : "") +
      `)`,
  );
}
const ratio = status.rps / ping.rps;
console.log(`  ratio status/ping: ${ratio.toFixed(2)}`);
summary(
  "lookup",
  `status ${status.rps.toFixed(0)} req/s (p99 ${fmt(status.p99)}) vs ping ${ping.rps.toFixed(0)} req/s ` +
    `(p99 ${fmt(ping.p99)}): ratio ${ratio.toFixed(2)} (target >= ${targetRatio})`,
  ratio >= targetRatio && status.errors + ping.errors + status.not200 + ping.not200 === 0,
);
if (origin.hit > 0 || origin.errors + origin.not200 > 0 || status.hit === 0) {
  console.log(
    `  FAILED: the cache comparison did not measure what it should (origin load: ${origin.hit} hits, ` +
      `${origin.errors + origin.not200} errors; cached load: ${status.hit} hits)`,
  );
  process.exitCode = 1;
}
reference(
  "lookup cache vs origin",
  `status from this location's cache ${status.rps.toFixed(0)} req/s (p50 ${fmt(status.p50)}, p99 ${fmt(status.p99)}; ` +
    `X-Presenza-Cache ${(100 * status.hitRatio).toFixed(1)}% hits: ${status.hit} hits, ${status.miss} misses) vs from the ` +
    `origin (every lookup a miss, answered by the region's relay) ${origin.rps.toFixed(0)} req/s (p50 ${fmt(origin.p50)}, ` +
    `p99 ${fmt(origin.p99)}): ${(status.rps / origin.rps).toFixed(2)}x`,
);
