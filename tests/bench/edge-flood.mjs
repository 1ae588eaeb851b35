// One anonymous client flooding a site: while it sends forged `auth` frames on
// a visitor socket as fast as it can (and reconnects whenever it is closed),
// an agent of the same site keeps calling GET /agents/me. Prints the agent's
// latency with and without the flood (same run), and how the flooding sockets
// ended.
//
//   node tests/bench/edge-flood.mjs --url http://127.0.0.1:8787 \
//     --admin-token T [--seconds 10]
//
// Target: the agent's p99 <= 250 ms during the flood, and every flooding
// socket closed by the edge (1008) or refused (429).

import http from "node:http";
import { parseArgs, createSite, setStatus, request, percentile, performance, sleep, fmt, summary, WebSocket } from "./edge-common.mjs";

const args = parseArgs({ seconds: "10", "target-p99": "250" });
const seconds = Math.min(60, Math.max(2, Number(args.seconds)));
const targetP99 = Number(args["target-p99"]);

// The site keeps its default per-address limits: the flood is one client.
const site = await createSite(args, { grace: 3600, agents: 1, limits: false });
const agent = site.agents[0];
await setStatus(args, site, agent.token, "online", { session: "bench" });

/** The agent's GET /agents/me latencies for `ms`, one call at a time. */
async function agentCalls(ms) {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  let failed = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const r = await request(args.url, "GET", `/v1/sites/${site.id}/agents/me`, { token: agent.token, httpAgent });
    if (r.status === 200) latencies.push(r.ms);
    else failed++;
    await sleep(20);
  }
  httpAgent.destroy();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length, failed };
}

const forged = JSON.stringify({
  type: "auth",
  visitor: "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
});
const live = `${args.url.replace(/^http/, "ws")}/v1/sites/${site.id}/live`;

/** Floods until `stop()`; counts how its sockets ended. */
function flooder() {
  const ended = new Map();
  let sent = 0;
  let stopped = false;
  let current = null;
  const count = (why) => ended.set(why, (ended.get(why) ?? 0) + 1);
  function connect() {
    if (stopped) return;
    const ws = new WebSocket(live, { perMessageDeflate: false });
    current = ws;
    ws.on("unexpected-response", (_req, res) => {
      count(`refused ${res.statusCode}`);
      res.resume();
      setTimeout(connect, 50);
    });
    ws.on("error", () => {});
    ws.on("open", () => {
      const pump = () => {
        if (stopped || ws.readyState !== WebSocket.OPEN) return;
        // Keep the send buffer short so the flood stays at the edge's pace.
        if (ws.bufferedAmount < 256 * 1024) {
          for (let i = 0; i < 200; i++) ws.send(forged);
          sent += 200;
        }
        setImmediate(pump);
      };
      pump();
    });
    ws.on("close", (code) => {
      if (!stopped) {
        count(`closed ${code}`);
        setImmediate(connect);
      }
    });
  }
  connect();
  return {
    stop() {
      stopped = true;
      current?.terminate();
      return { ended: Object.fromEntries(ended), sent };
    },
  };
}

console.log(`flood: one client sends forged auth frames for ${seconds} s; the agent calls GET /agents/me every 20 ms`);
const quiet = await agentCalls(2000);
const flood = flooder();
const during = await agentCalls(seconds * 1000);
const result = flood.stop();
const after = await agentCalls(2000);
for (const [name, r] of [
  ["no flood", quiet],
  ["during flood", during],
  ["after flood", after],
]) {
  console.log(`  agent ${name.padEnd(12)} p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  (${r.count} calls, ${r.failed} failed)`);
}
console.log(`  flooding client: ${result.sent} frames sent; its sockets ended: ${JSON.stringify(result.ended)}`);
const endedOk = Object.keys(result.ended).length > 0 && Object.keys(result.ended).every((k) => k === "closed 1008" || k === "refused 429");
summary(
  "flood",
  `agent p99 ${fmt(during.p99)} during a one-client flood (${fmt(quiet.p99)} without); flooding sockets ended ${JSON.stringify(result.ended)} (target p99 <= ${targetP99} ms, every flooding socket closed or refused)`,
  during.p99 <= targetP99 && during.failed === 0 && endedOk,
);
