// Visitor lookup throughput: requests/s and latency of GET /v1/sites/{site}/status
// against GET /v1/ping (a constant answer from the same worker), in the same
// run, with a fixed number of keep-alive connections and a bounded duration.
//
//   node tests/bench/edge-lookup.mjs --url http://127.0.0.1:8787 \
//     --admin-token test-admin-token [--connections 32] [--seconds 5]
//
// Target: status req/s >= 0.5 x ping req/s.

import http from "node:http";
import { parseArgs, createSite, setStatus, request, percentile, performance, sleep, fmt, summary } from "./edge-common.mjs";

const args = parseArgs({ connections: "32", seconds: "5", "target-ratio": "0.5" });
const connections = Math.min(256, Math.max(1, parseInt(args.connections, 10)));
const seconds = Math.min(60, Math.max(1, Number(args.seconds)));
const targetRatio = Number(args["target-ratio"]);

async function load(path, durationMs) {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = new Map();
  let errors = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        try {
          const r = await request(args.url, "GET", path, { httpAgent });
          latencies.push(r.ms);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
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
    path,
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
await load("/v1/ping", 1000);
await load(statusPath, 1000);
// Interleave two rounds so a noisy neighbour hurts both endpoints alike.
const rounds = [];
for (let i = 0; i < 2; i++) {
  rounds.push(await load("/v1/ping", (seconds * 1000) / 2));
  rounds.push(await load(statusPath, (seconds * 1000) / 2));
}
function merge(path) {
  const rs = rounds.filter((r) => r.path === path);
  const count = rs.reduce((a, r) => a + r.count, 0);
  return {
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
for (const [name, r] of [
  ["GET /v1/ping", ping],
  ["GET status", status],
]) {
  console.log(
    `  ${name.padEnd(14)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  ` +
      `(${r.count} requests, ${r.errors} errors, statuses ${r.statuses})`,
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
