// Relays recover by themselves (issue 12): a publish lost on its way to the
// relays, with the relays in memory and right after every relay was evicted
// by a deploy; how long until every widget shows the right status again,
// against the bound the design gives (one relay sync period, RELAY_SYNC_MS,
// plus one second for the alarm, the sync call and the fan-out).
//
//   node tests/bench/edge-relays-faults.mjs --miniflare [--sockets 3000] \
//     [--per-relay 1000] [--sync-ms 2000] [--drops 3] [--gap 400] \
//     [--client-bin PATH] [--edge-build DIR] [--var NAME=VALUE,...]
//
// The edge is the built worker (edge/build, or --edge-build) in workerd via
// Miniflare (see edge-miniflare.mjs) with TEST_FAULTS=drop_publish=--drops
// (each site object, from its start, loses its next --drops publishes to
// relays while believing them delivered, so the site never sends them again),
// RELAY_SYNC_MS=--sync-ms and RELAY_MAX_SOCKETS=--per-relay (--sockets widgets
// over a few relays, held by one native client, see edge-sockets.mjs).
//
// 1. Relays in memory: --drops changes whose publish is lost, one after the
//    other. Each is measured from the PUT to the last widget's receipt (a
//    relay's own periodic sync brings it); a widget that never receives one
//    fails the run. Beside them, in the same run, --drops changes published
//    normally (change -> receipt).
// 2. Relays evicted: waiting for workerd to evict an idle relay (~10 s after
//    its last event) cannot work here, since a relay holding widgets wakes
//    every RELAY_SYNC_MS to sync. So a deploy evicts them: workerd is stopped
//    and started on the same storage (every object starts anew, from what it
//    stored; the site's fault counter starts again), the widgets reconnect
//    (each must be told the current status first), and the same changes as
//    in 1 are measured again.
//
// Recovery figures: per lost publish, the time until the last widget had it;
// the median and the worst of them against the bound.

import { parseArgs, edgeVars, createSite, setStatus, siteStats, percentile, sleep, fmt, summary, retried } from "./edge-common.mjs";
import { startEdge } from "./edge-miniflare.mjs";
import {
  clientBinPath,
  requireClient,
  loadAverage,
  maxOf,
  median,
  startClient,
  openSockets,
  measureChange,
} from "./edge-sockets.mjs";

const args = parseArgs({ sockets: "3000", "per-relay": "1000", "sync-ms": "2000", drops: "3", gap: "400" });
const sockets = Math.min(15_000, Math.max(1, parseInt(args.sockets, 10)));
const perRelay = Math.max(1, parseInt(args["per-relay"], 10));
const syncMs = Math.max(100, parseInt(args["sync-ms"], 10));
const drops = Math.min(10, Math.max(1, parseInt(args.drops, 10)));
const gap = Math.min(5000, Math.max(0, Number(args.gap)));
const bound = syncMs + 1000;
const clientBin = clientBinPath(args);
requireClient("rust", clientBin);
const vars = edgeVars(args);
const buildDir = args["edge-build"];

let edge = null;
const clients = [];
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    if (edge) await edge.dispose();
    process.exit(130);
  });
}

const urls = (e) => ({ url: e.url, wsUrl: e.url.replace(/^http:/, "ws:") });

/** Opens the widgets in a new client; each must be told `status` first. */
async function connect(edgeArgs, site, status) {
  const client = startClient({ clientBin });
  clients.push(client);
  const url = `${edgeArgs.wsUrl}/v1/sites/${site.id}/live`;
  const { secs, wrongFirst } = await openSockets(client, url, sockets, { concurrency: 256, timeoutMs: 60_000, first: status });
  if (wrongFirst > 0) throw new Error(`${wrongFirst} of ${sockets} widgets were told another status than ${status} first`);
  return { client, secs };
}

/**
 * `n` changes of `state.status`, each measured until every widget has it.
 * Resolves [{recovery (last receipt), first, p50, p99, syncs (relay_syncs meanwhile)}].
 */
async function changes(edgeArgs, site, client, state, n, label) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const target = state.status === "online" ? "busy" : "online";
    state.status = target;
    const before = await siteStats(edgeArgs, site);
    const r = await measureChange([client], {
      flip: i,
      target,
      change: () =>
        setStatus(edgeArgs, site, site.agents[0].token, target, {
          session: "bench",
          message: target === "busy" ? `${label} ${i}` : undefined,
        }),
      timeoutMs: 4 * bound + 10_000,
    });
    const after = await siteStats(edgeArgs, site);
    if (r.missing > 0) {
      throw new Error(`${label}: ${r.missing} of ${r.sockets} widgets never received ${target} (waited ${fmt(r.window)})`);
    }
    const m = { recovery: r.max, first: r.min, p50: r.p50, p99: r.p99, syncs: after.relay_syncs - before.relay_syncs };
    out.push(m);
    console.log(
      `    ${label} ${i + 1} -> ${target}: all ${r.lat.length} widgets had it after ${fmt(m.recovery)} ` +
        `(first ${fmt(m.first)}, p50 ${fmt(m.p50)}, p99 ${fmt(m.p99)}); relay syncs meanwhile ${m.syncs}`,
    );
    await sleep(gap);
  }
  return out;
}

/** Lost publishes, then normal ones; prints and returns the figures. */
async function phase(name, edgeArgs, site, client, state) {
  const lost = await changes(edgeArgs, site, client, state, drops, "lost publish");
  const normal = await changes(edgeArgs, site, client, state, drops, "normal publish");
  const rec = lost.map((m) => m.recovery);
  const ref = normal.map((m) => m.recovery);
  console.log(
    `  ${name}: every widget right again after median ${fmt(median(rec))}, worst ${fmt(maxOf(rec))} ` +
      `(bound ${fmt(bound)}); a normal publish reached every widget after median ${fmt(median(ref))} ` +
      `(p99 of its receipts median ${fmt(median(normal.map((m) => m.p99)))})`,
  );
  return { rec, ref, ok: maxOf(rec) <= bound };
}

let failed = false;
try {
  console.log(
    `relay recovery: ${sockets} widgets over relays of at most ${perRelay}, RELAY_SYNC_MS=${syncMs}, ` +
      `TEST_FAULTS=drop_publish=${drops}, bound ${fmt(bound)}; load average ${loadAverage()}`,
  );
  edge = await startEdge({
    adminToken: args["admin-token"],
    ...(buildDir ? { buildDir } : {}),
    vars: {
      ...vars,
      TEST_FAULTS: `drop_publish=${drops}`,
      RELAY_SYNC_MS: String(syncMs),
      RELAY_MAX_SOCKETS: String(perRelay),
    },
  });
  const edgeArgs = { ...args, ...urls(edge) };
  const site = await createSite(edgeArgs, { grace: 3600, agents: 1 });
  const state = { status: "online" };
  await setStatus(edgeArgs, site, site.agents[0].token, state.status, { session: "bench" });
  const first = await connect(edgeArgs, site, state.status);
  await sleep(1000);
  const st = await siteStats(edgeArgs, site);
  console.log(`  ${sockets} widgets open in ${first.secs.toFixed(1)} s on ${st.relays.length} relays`);
  const inMemory = await phase("relays in memory, a publish lost", edgeArgs, site, first.client, state);

  // A deploy: every object evicted; the widgets reconnect.
  await edge.restart();
  Object.assign(edgeArgs, urls(edge));
  await first.client.closed();
  const again = await connect(edgeArgs, site, state.status);
  console.log(
    `  deploy: workerd restarted on the same storage, ${sockets} widgets reconnected in ${again.secs.toFixed(1)} s, ` +
      `each told the current status (${state.status}) first`,
  );
  await sleep(1000);
  const evicted = await phase("relays evicted by the deploy, a publish lost", edgeArgs, site, again.client, state);
  console.log(`  load average at the end: ${loadAverage()}`);
  if (retried.count) console.log(`  ${retried.count} requests sent again (their pooled keep-alive connection had been closed)`);
  summary(
    "relays recover a lost publish",
    `every widget right again after median ${fmt(median(inMemory.rec))}, worst ${fmt(maxOf(inMemory.rec))} ` +
      `(relays in memory), median ${fmt(median(evicted.rec))}, worst ${fmt(maxOf(evicted.rec))} (relays evicted by a restart) ` +
      `vs bound ${fmt(bound)} (RELAY_SYNC_MS ${syncMs} + 1 s); normal publish: median ${fmt(median(inMemory.ref.concat(evicted.ref)))}; ` +
      `${drops} lost publishes each, ${sockets} widgets, none missed`,
    inMemory.ok && evicted.ok,
  );
} catch (e) {
  failed = true;
  console.log(`  FAILED: ${e.message}`);
  summary("relays recover a lost publish", `failed: ${e.message}`, false);
} finally {
  await Promise.all(clients.map((c) => c.closed()));
  if (edge) await edge.dispose();
}
process.exit(failed ? 1 : 0);
