// Past one object's cap, simulated (issue 12), and a deploy's reconnect storm.
//
//   node tests/bench/edge-relays-shards.mjs --miniflare [--sockets 16000] \
//     [--per-relay 1500] [--changes 7] [--gap 400] [--concurrency 256] \
//     [--storm 10000] [--storm-concurrency 1000] [--no-reference] \
//     [--client-bin PATH] [--edge-build DIR] [--var NAME=VALUE,...]
//
// The edge is the built worker (edge/build, or --edge-build) in workerd via
// Miniflare (see edge-miniflare.mjs) with RELAY_MAX_SOCKETS=--per-relay, so a
// few thousand widgets need as many relays as a site past one object's
// runtime cap (32,768 sockets) would at the default 5,000, and
// RELAY_SYNC_MS=600000 so no periodic sync lands in the counts below. The
// widgets are held by one native client (edge-sockets.mjs); workerd and the
// client each hold one descriptor per socket, so --sockets is bounded by the
// 20,000 `ulimit -n` of this machine (16,000 leaves room for the rest).
//
// 1. Fan-out over many relays: --sockets widgets of one site (over
//    ceil(sockets / per-relay) relays, >= 10 by default), --changes status
//    changes, change -> receipt per socket: every socket must receive every
//    change (a socket that misses one fails the run), p50/p99 overall and the
//    median of the per-change figures. Reference in the same run (unless
//    --no-reference): the same widgets on a single object
//    (VISITOR_SOCKETS=site, a second edge), changes alternating between them.
// 2. The calls that reach the site's object while widgets connect: the
//    stats counters relay_syncs (relays registering or syncing) and
//    relay_frames (widget frames relays forward; none here), and
//    socket_messages_handled (frames of the site's own sockets), before and
//    after, against the number of relays plus agents. Twice: the cold start
//    (the --sockets widgets of step 1 opening on a new site), and a deploy:
//    workerd stopped and started on the same storage (every socket drops,
//    every object starts anew), then --storm widgets reconnecting at once
//    (--storm-concurrency upgrades in flight), each checked to receive the
//    current status first. The deploy storm fails the run above relays +
//    agents; the cold start is printed beside it.

import { parseArgs, edgeVars, createSite, setStatus, siteStats, percentile, sleep, fmt, summary, retried } from "./edge-common.mjs";
import { startEdge } from "./edge-miniflare.mjs";
import {
  clientBinPath,
  requireClient,
  nofile,
  loadAverage,
  maxOf,
  median,
  startClient,
  openSockets,
  measureChange,
} from "./edge-sockets.mjs";

const args = parseArgs({
  sockets: "16000",
  "per-relay": "1500",
  changes: "7",
  gap: "400",
  concurrency: "256",
  storm: "10000",
  "storm-concurrency": "1000",
});
const sockets = Math.min(19_000, Math.max(1, parseInt(args.sockets, 10)));
const perRelay = Math.max(1, parseInt(args["per-relay"], 10));
const changes = Math.min(25, Math.max(1, parseInt(args.changes, 10)));
const gap = Math.min(5000, Math.max(0, Number(args.gap)));
const concurrency = Math.min(2000, Math.max(1, parseInt(args.concurrency, 10)));
const storm = Math.min(sockets, Math.max(1, parseInt(args.storm, 10)));
const stormConcurrency = Math.min(4000, Math.max(1, parseInt(args["storm-concurrency"], 10)));
const withReference = args["no-reference"] === undefined;
const clientBin = clientBinPath(args);
requireClient("rust", clientBin);
const vars = edgeVars(args);
const buildDir = args["edge-build"];
const agents = 1;

const edges = [];
const clients = [];
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    await Promise.all(edges.map((e) => e.dispose()));
    process.exit(130);
  });
}

function urls(edge) {
  return { url: edge.url, wsUrl: edge.url.replace(/^http:/, "ws:") };
}

/** An edge, a site with one agent online, its widgets' URL and a client. */
async function side(mode, extraVars) {
  const edge = await startEdge({
    adminToken: args["admin-token"],
    ...(buildDir ? { buildDir } : {}),
    vars: { ...vars, ...extraVars },
  });
  edges.push(edge);
  const edgeArgs = { ...args, ...urls(edge) };
  const site = await createSite(edgeArgs, { grace: 3600, agents });
  await setStatus(edgeArgs, site, site.agents[0].token, "online", { session: "bench" });
  const client = startClient({ clientBin });
  clients.push(client);
  return { mode, edge, edgeArgs, site, client, lat: [], p50s: [], p99s: [], received: 0, status: "online" };
}

/** The counters of the calls that reach the site's object. */
function counts(st) {
  return {
    syncs: st.relay_syncs,
    frames: st.relay_frames,
    messages: st.socket_messages_handled,
    relays: st.relays.length,
  };
}

function delta(a, b) {
  return { syncs: b.syncs - a.syncs, frames: b.frames - a.frames, messages: b.messages - a.messages };
}

/** One change on `s`, every socket checked. */
async function change(s, i) {
  const target = s.status === "online" ? "busy" : "online";
  s.status = target;
  const r = await measureChange([s.client], {
    flip: i,
    target,
    change: () =>
      setStatus(s.edgeArgs, s.site, s.site.agents[0].token, target, {
        session: "bench",
        message: target === "busy" ? `change ${i}` : undefined,
      }),
    timeoutMs: 30_000,
    workerdPid: s.edge.workerdPid,
  });
  const label = s.mode === "relays" ? "relays" : "single object";
  if (r.missing > 0) {
    throw new Error(`${label}: ${r.missing} of ${r.sockets} widgets missed change ${i + 1} (to ${target})`);
  }
  s.received += r.lat.length;
  for (const l of r.lat) s.lat.push(l);
  s.p50s.push(r.p50);
  s.p99s.push(r.p99);
  return `${label} ${r.lat.length}/${r.sockets} p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} max ${fmt(r.max)} ` +
    `(server CPU ${r.serverCpu.toFixed(0)} ms, other processes ~${r.others.toFixed(0)} ms of ${(2 * r.window).toFixed(0)})`;
}

let failed = false;
try {
  const limit = nofile();
  if (limit < sockets + 1500) {
    console.log(`  note: ulimit -n is ${limit}: raise it (ulimit -n $(ulimit -Hn)) for ${sockets} sockets`);
  }
  const relaysWanted = Math.ceil(sockets / perRelay);
  console.log(
    `past one object's cap: ${sockets} widgets, relays of at most ${perRelay} (${relaysWanted} relays), ` +
      `${changes} changes${withReference ? ", beside a single object with the same widgets" : ""}; load average ${loadAverage()}`,
  );
  const relays = await side("relays", { RELAY_MAX_SOCKETS: String(perRelay), RELAY_SYNC_MS: "600000" });
  const sides = [relays];
  if (withReference) sides.push(await side("site", { VISITOR_SOCKETS: "site" }));

  // The cold start: every widget of a new site opening (256 upgrades in flight).
  const before = counts(await siteStats(relays.edgeArgs, relays.site));
  for (const s of sides) {
    const url = `${s.edgeArgs.wsUrl}/v1/sites/${s.site.id}/live`;
    const { secs, wrongFirst } = await openSockets(s.client, url, sockets, { concurrency, timeoutMs: 120_000, first: "online" });
    console.log(
      `  ${s.mode === "relays" ? "relays" : "single object"}: ${sockets} widgets open in ${secs.toFixed(1)} s ` +
        `(${(sockets / secs).toFixed(0)}/s, ${concurrency} upgrades in flight)` +
        (wrongFirst ? `; ${wrongFirst} first frames without status online` : ""),
    );
    if (wrongFirst > 0) throw new Error(`${wrongFirst} widgets were told a wrong first status`);
  }
  await sleep(1000);
  const cold = delta(before, counts(await siteStats(relays.edgeArgs, relays.site)));

  // 1. Changes, alternating between the edges.
  const callsBefore = (await siteStats(relays.edgeArgs, relays.site)).relay_publish_calls;
  for (let i = 0; i < changes; i++) {
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    const line = [];
    for (const s of order) {
      line.push(await change(s, i));
      await sleep(gap);
    }
    console.log(`    change ${i + 1}: ${line.join("; ")}`);
  }
  const st = await siteStats(relays.edgeArgs, relays.site);
  const spread = st.relays.map((r) => r.sockets);
  const publishCalls = (st.relay_publish_calls - callsBefore) / changes;
  console.log(
    `  relays: stats say ${st.visitor_sockets} widgets on ${st.relays.length} relays ` +
      `(${spread.join(", ")}; the counts each relay acknowledged with the last change); ` +
      `the site's publish calls per change: ${publishCalls.toFixed(1)} (relays pass the rest on)`,
  );
  for (const s of sides) {
    console.log(
      `  ${s.mode === "relays" ? "relays" : "single object"}: ${s.received} receipts of ${changes * sockets} ` +
        `(every widget, every change): p50 ${fmt(percentile(s.lat, 50))}, p99 ${fmt(percentile(s.lat, 99))}, ` +
        `max ${fmt(maxOf(s.lat))}; per change median p50 ${fmt(median(s.p50s))}, median p99 ${fmt(median(s.p99s))}`,
    );
  }
  const full = st.relays.length >= relaysWanted && spread.every((n) => n <= perRelay);
  const ref = sides[1];
  summary(
    `relays past one object's cap N=${sockets}`,
    `${st.relays.length} relays of <= ${perRelay}, ${publishCalls.toFixed(1)} publish calls from the site per change: ` +
      `${relays.received}/${changes * sockets} receipts ` +
      `(every widget got all ${changes} changes), p50 ${fmt(percentile(relays.lat, 50))}, p99 ${fmt(percentile(relays.lat, 99))} ` +
      `(median per change ${fmt(median(relays.p50s))} / ${fmt(median(relays.p99s))})` +
      (ref
        ? `; single object with the same widgets p50 ${fmt(percentile(ref.lat, 50))}, p99 ${fmt(percentile(ref.lat, 99))} ` +
          `(median per change ${fmt(median(ref.p50s))} / ${fmt(median(ref.p99s))})`
        : ""),
    full && relays.received === changes * sockets,
  );
  if (!full) {
    failed = true;
    console.log(`  FAILED: the widgets are not spread over ${relaysWanted} relays of at most ${perRelay}`);
  }

  // 2. A deploy: every socket drops, every object starts anew; the widgets reconnect at once.
  if (ref) {
    await ref.client.closed();
    await ref.edge.dispose();
    edges.splice(edges.indexOf(ref.edge), 1);
  }
  await relays.edge.restart();
  Object.assign(relays.edgeArgs, urls(relays.edge));
  await relays.client.closed();
  await sleep(500);
  const base = counts(await siteStats(relays.edgeArgs, relays.site));
  const stormClient = startClient({ clientBin });
  clients.push(stormClient);
  const url = `${relays.edgeArgs.wsUrl}/v1/sites/${relays.site.id}/live`;
  const opened = await openSockets(stormClient, url, storm, {
    concurrency: stormConcurrency,
    timeoutMs: 120_000,
    first: relays.status,
  });
  await sleep(2000);
  const after = await siteStats(relays.edgeArgs, relays.site);
  const d = delta(base, counts(after));
  const bound = after.relays.length + agents;
  console.log(
    `  deploy: workerd restarted on the same storage; ${storm} widgets reconnected in ${opened.secs.toFixed(1)} s ` +
      `(${(storm / opened.secs).toFixed(0)}/s, ${stormConcurrency} upgrades in flight), ` +
      `${opened.wrongFirst} first frames without the current status (${relays.status})`,
  );
  console.log(
    `  calls that reached the site's object: deploy storm relay_syncs +${d.syncs}, relay_frames +${d.frames}, ` +
      `socket_messages_handled +${d.messages} (${after.relays.length} relays registered, ${Math.ceil(storm / perRelay)} ` +
      `needed for ${storm} widgets, ${agents} agent); cold start of ${sockets} widgets: relay_syncs +${cold.syncs}, ` +
      `relay_frames +${cold.frames}, socket_messages_handled +${cold.messages} (${relaysWanted} relays)`,
  );
  const stormOk = d.syncs + d.frames + d.messages <= bound && opened.wrongFirst === 0;
  summary(
    `relays reconnect storm N=${storm}`,
    `after a restart (deploy), calls reaching the site's object: relay_syncs +${d.syncs}, relay_frames +${d.frames}, ` +
      `socket_messages_handled +${d.messages} vs ${after.relays.length} relays + ${agents} agent = ${bound}; ` +
      `reconnected in ${opened.secs.toFixed(1)} s, every widget told the current status first: ${opened.wrongFirst === 0 ? "yes" : `no (${opened.wrongFirst} not)`}`,
    stormOk,
  );
  // Not fatal: a new site's widgets do not all arrive at once.
  summary(
    `relays cold start N=${sockets}`,
    `a new site's widgets opening (${concurrency} upgrades in flight), calls reaching the site's object: ` +
      `relay_syncs +${cold.syncs}, relay_frames +${cold.frames}, socket_messages_handled +${cold.messages} ` +
      `vs ${relaysWanted} relays + ${agents} agent = ${relaysWanted + agents}`,
    cold.syncs + cold.frames + cold.messages <= relaysWanted + agents,
  );
  if (!stormOk) {
    failed = true;
    console.log(`  FAILED: more calls reached the site's object than relays + agents, or a widget was told a wrong status`);
  }
  console.log(`  load average at the end: ${loadAverage()}`);
  if (retried.count) console.log(`  ${retried.count} requests sent again (their pooled keep-alive connection had been closed)`);
} catch (e) {
  failed = true;
  console.log(`  FAILED: ${e.message}`);
  summary("relays past one object's cap", `failed: ${e.message}`, false);
} finally {
  await Promise.all(clients.map((c) => c.closed()));
  await Promise.all(edges.map((e) => e.dispose()));
}
process.exit(failed ? 1 : 0);
