// What one call into an object costs the runtime as the object holds more
// hibernated sockets (issue 12): the floor under the relays' "site's cost
// per change" figure, measured on a trivial JS Durable Object in the same
// workerd (edge-miniflare.mjs's floor worker), so no line of Presenza's code
// is in it.
//
//   node tests/bench/edge-calls-floor.mjs --miniflare [--sizes 1,1000,10000] \
//     [--calls 100] [--rounds 7] [--concurrency 256] [--client-bin PATH]
//
// One object per size holds that many hibernatable sockets (tag
// "aud:site", held by the native client of edge-sockets.mjs, which sends
// nothing). Each round, in an order that rotates, each object gets --calls
// sequential `GET /apply/{object}`: what a relay does for a change none of
// its widgets watches (one SQLite row written, the sockets of an audience
// nobody watches looked up), over one keep-alive connection. Printed: the
// median call latency per size (median of the rounds' medians, the rounds'
// range after it) and its growth against the smallest size, with the load
// average. If the growth here matches the relay's (BENCHMARKS.md, issue 12),
// it is the runtime's, not the relay's.

import { parseArgs, request, percentile, fmt, reference } from "./edge-common.mjs";
import { startFloorEdge } from "./edge-miniflare.mjs";
import { now, clientBinPath, requireClient, loadAverage, median, startClient, openSockets } from "./edge-sockets.mjs";

const args = parseArgs({ sizes: "1,1000,10000", calls: "100", rounds: "7", concurrency: "256", "flat-within": "0.2" });
// --count: each call also counts the object's sockets (getWebSockets().length).
const query = args.count !== undefined ? "?count" : "";
const sizes = args.sizes
  .split(",")
  .map((s) => parseInt(s, 10))
  .filter((n) => n >= 1 && n <= 15_000)
  .sort((a, b) => a - b);
const calls = Math.min(1000, Math.max(10, parseInt(args.calls, 10)));
const rounds = Math.min(25, Math.max(3, parseInt(args.rounds, 10)));
const concurrency = Math.min(2000, Math.max(1, parseInt(args.concurrency, 10)));
const flatWithin = Number(args["flat-within"]);
const clientBin = clientBinPath(args);
requireClient("rust", clientBin);

const edge = await startFloorEdge();
const clients = [];
const stop = async () => {
  await Promise.all(clients.map((c) => c.closed()));
  await edge.dispose();
};
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => stop().then(() => process.exit(130)));

try {
  console.log(`floor edge at ${edge.url}; load ${loadAverage()}`);
  const wsUrl = edge.url.replace(/^http:/, "ws:");
  const cells = [];
  for (const n of sizes) {
    const object = `calls${n}_${Date.now()}`;
    const client = startClient({ clientBin });
    clients.push(client);
    const { secs } = await openSockets(client, `${wsUrl}/live/${object}`, n, { concurrency, timeoutMs: 60_000 });
    console.log(`  N=${n}: sockets open in ${secs.toFixed(1)} s`);
    cells.push({ n, object, perRound: [] });
  }
  // Two unmeasured rounds: the objects and the connection warm.
  for (let round = -2; round < rounds; round++) {
    const order = cells.map((_, i) => cells[(i + Math.max(round, 0)) % cells.length]);
    for (const c of order) {
      const lat = [];
      for (let i = 0; i < calls; i++) {
        const t0 = now();
        const r = await request(edge.url, "GET", `/apply/${c.object}${query}`);
        if (r.status !== 200) throw new Error(`GET /apply/${c.object} -> ${r.status}`);
        lat.push(now() - t0);
      }
      if (round >= 0) c.perRound.push(percentile(lat, 50));
    }
  }
  const base = median(cells[0].perRound);
  let flat = true;
  for (const c of cells) {
    const m = median(c.perRound);
    const growth = m / base - 1;
    if (c !== cells[0] && Math.abs(growth) > flatWithin) flat = false;
    const range = `${fmt(Math.min(...c.perRound))}–${fmt(Math.max(...c.perRound))}`;
    console.log(
      `  N=${c.n}: a call into the object, median ${fmt(m)} (${range} over ${rounds} rounds of ${calls}); ` +
        `${c === cells[0] ? "reference" : `${growth >= 0 ? "+" : ""}${(growth * 100).toFixed(0)}% vs N=${cells[0].n}`}`,
    );
  }
  reference(
    "runtime per-call floor",
    `a call into a trivial JS object holding ${sizes.join(" / ")} hibernated sockets: ` +
      cells.map((c) => fmt(median(c.perRound))).join(" / ") +
      `; ${flat ? "flat" : "not flat"} within ±${flatWithin * 100}%; load ${loadAverage()}`,
  );
} finally {
  await stop();
}
