// Visitor relays vs the single object (issue 12): what a status change costs
// the site's object, and how fast it reaches the widgets, with widgets on
// relays (the default) and with every widget on the site's object
// (VISITOR_SOCKETS=site, the path before relays), measured in the same run.
//
//   node tests/bench/edge-relays.mjs --miniflare [--sizes 0,1000,10000] \
//     [--rounds 7] [--unwatched 3] [--gap 300] [--concurrency 256] \
//     [--client-bin PATH] [--edge-build DIR] [--var NAME=VALUE,...]
//
// Two edges run side by side: the same build (edge/build, or --edge-build) in
// workerd via Miniflare (no wrangler dev proxy, see edge-miniflare.mjs), one
// with relays (RELAY_MAX_SOCKETS as in wrangler.toml: 5,000, so 10,000
// widgets take two relays) and one with VISITOR_SOCKETS=site. Each edge has
// one site per size in --sizes, each with two agents in two groups (a0 in
// "other", a1 in "quiet") and that many widgets of group "quiet", held by a
// native client of its own (edge-sockets.mjs). Every round goes over all
// these sites, both edges and all sizes in an order that rotates each round,
// so a noisy neighbour loads every figure alike; on each site it makes
// --unwatched changes of the first kind, then one of the second, --gap ms
// apart (after two unmeasured warm-up rounds):
//
// 1. A change no widget watches (a0 busy <-> online). The site's object does
//    the same work for it as for any change: with relays it evaluates, stores
//    and publishes one versioned snapshot per relay (after answering), so its
//    cost should stay flat whatever the number of widgets; a single object
//    sends one frame per widget that watches (none here). Measured: the PUT
//    status latency, and with relays the time until every relay acknowledged
//    the new status_version (GET stats polled after the PUT answered).
// 2. A change every widget watches (a1): change -> receipt per socket
//    (p50/p99; a socket that misses it fails the run), and the PUT latency.
//    A single object sends every frame itself before answering, so its PUT
//    grows with the widgets. With relays the PUT should not, but here every
//    object shares workerd's one thread (production spreads relays over
//    machines), so the relays' fan-out also delays the site's answer: that is
//    why the site's own cost is measured with change 1.
//
// Figures are medians over the rounds; the load average is printed with them.

import {
  parseArgs,
  edgeVars,
  createSite,
  setStatus,
  siteStats,
  percentile,
  sleep,
  fmt,
  summary,
  reference,
  retried,
} from "./edge-common.mjs";
import { startEdge } from "./edge-miniflare.mjs";
import {
  now,
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
  sizes: "0,1000,10000",
  rounds: "7",
  unwatched: "3",
  gap: "300",
  concurrency: "256",
  "flat-within": "0.2",
});
const sizes = args.sizes
  .split(",")
  .map((s) => parseInt(s, 10))
  .filter((n) => n >= 0 && n <= 15_000)
  .sort((a, b) => a - b);
const rounds = Math.min(25, Math.max(3, parseInt(args.rounds, 10)));
const gap = Math.min(5000, Math.max(0, Number(args.gap)));
const perRound = Math.min(10, Math.max(1, parseInt(args.unwatched, 10)));
const concurrency = Math.min(2000, Math.max(1, parseInt(args.concurrency, 10)));
const flatWithin = Number(args["flat-within"]);
const clientBin = clientBinPath(args);
requireClient("rust", clientBin);
const vars = edgeVars(args);
const buildDir = args["edge-build"];

const edges = [];
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = true;
    await Promise.all(edges.map((e) => e.dispose()));
    process.exit(130);
  });
}

/** An edge, relays (the default) or VISITOR_SOCKETS=site. */
async function startSide(mode) {
  const edge = await startEdge({
    adminToken: args["admin-token"],
    ...(buildDir ? { buildDir } : {}),
    vars: { ...vars, ...(mode === "site" ? { VISITOR_SOCKETS: "site" } : {}) },
  });
  edges.push(edge);
  const edgeArgs = { ...args, url: edge.url, wsUrl: edge.url.replace(/^http:/, "ws:") };
  return { mode, label: mode === "site" ? "single object" : "relays", edge, edgeArgs };
}

/** A site of `side` with `n` widgets of group "quiet" (its own client). */
async function cell(side, n) {
  const { edgeArgs } = side;
  const site = await createSite(edgeArgs, {
    grace: 3600,
    agents: 2,
    groups: ["quiet", "other"],
    agentGroups: [["other"], ["quiet"]],
  });
  for (const a of site.agents) await setStatus(edgeArgs, site, a.token, "online", { session: "bench" });
  const client = startClient({ clientBin });
  clients.push(client);
  if (n > 0) {
    const url = `${edgeArgs.wsUrl}/v1/sites/${site.id}/live?group=quiet`;
    const { secs } = await openSockets(client, url, n, { concurrency, timeoutMs: 60_000 });
    console.log(`  ${side.label}: ${n} widgets open in ${secs.toFixed(1)} s (${(n / secs).toFixed(0)}/s)`);
  }
  return {
    ...side,
    n,
    name: `${side.label} N=${n}`,
    site,
    client,
    // agent id -> its current status
    status: { a0: "online", a1: "online" },
    put1: [],
    ack1: [],
    put2: [],
    lat: [],
    p99s: [],
    others: 0,
    window: 0,
    relays: 0,
  };
}

/** Flips agent `i` (busy <-> online); resolves the PUT's answer. */
function flip(c, i, round) {
  const agent = c.site.agents[i];
  const target = c.status[agent.id] === "online" ? "busy" : "online";
  c.status[agent.id] = target;
  return {
    target,
    change: () =>
      setStatus(c.edgeArgs, c.site, agent.token, target, {
        session: "bench",
        message: target === "busy" ? `round ${round}` : undefined,
      }),
  };
}

/** Change 1: nobody watches it. PUT latency, and (relays) until every relay acked. */
async function unwatched(c, round) {
  const before = c.mode === "relays" ? (await siteStats(c.edgeArgs, c.site)).status_version : null;
  const { change } = flip(c, 0, round);
  const t0 = now();
  await change();
  const putMs = now() - t0;
  let ackMs = NaN;
  if (c.mode === "relays") {
    while (now() - t0 < 20_000) {
      const st = await siteStats(c.edgeArgs, c.site);
      c.relays = st.relays.length;
      if (st.status_version > before && st.relays.every((r) => r.acked >= st.status_version)) {
        ackMs = now() - t0;
        break;
      }
    }
    if (!Number.isFinite(ackMs)) throw new Error(`${c.name}: relays did not acknowledge version ${before + 1} within 20 s`);
  }
  return { putMs, ackMs };
}

/** Change 2: every widget watches it. */
async function watched(c, round) {
  const { target, change } = flip(c, 1, round);
  const r = await measureChange([c.client], {
    flip: round,
    target,
    change,
    timeoutMs: 20_000,
    workerdPid: c.edge.workerdPid,
  });
  if (r.missing > 0) {
    throw new Error(`${c.name}: ${r.missing} of ${r.sockets} widgets missed the change to ${target} (round ${round})`);
  }
  return r;
}

/** One round: every cell's changes, in an order that rotates each round. */
async function round(cells, i, { record = true } = {}) {
  const order = cells.map((_, k) => cells[(k + i) % cells.length]);
  for (let k = 0; k < perRound; k++) {
    for (const c of order) {
      const u = await unwatched(c, i);
      if (record) {
        c.put1.push(u.putMs);
        if (Number.isFinite(u.ackMs)) c.ack1.push(u.ackMs);
      }
      await sleep(gap);
    }
  }
  for (const c of order) {
    const w = await watched(c, i);
    if (record) {
      c.put2.push(w.changeMs);
      for (const l of w.lat) c.lat.push(l);
      if (w.lat.length) c.p99s.push(w.p99);
      c.others += w.others;
      c.window += 2 * w.window;
    }
    await sleep(gap);
  }
  if (!record) return;
  const last = (a) => fmt(a[a.length - 1]);
  const line = cells
    .map(
      (c) =>
        `${c.mode === "relays" ? "R" : "S"}${c.n}: ${last(c.put1)}` +
        (c.n > 0 ? `/${last(c.put2)} p99 ${last(c.p99s)}` : `/${last(c.put2)}`),
    )
    .join(", ");
  console.log(`    round ${i + 1} (PUT of change 1 / of change 2, receipts' p99): ${line}`);
}

let failed = false;
const clients = [];
try {
  const limit = nofile();
  const held = sizes.reduce((a, n) => a + n, 0);
  if (limit < held + 2000) {
    console.log(`  note: ulimit -n is ${limit}: raise it (ulimit -n $(ulimit -Hn)) for ${held} sockets per edge`);
  }
  console.log(
    `relays vs single object: one site per size (${sizes.join(", ")} widgets) on each of two edges, ` +
      `${rounds} rounds; load average ${loadAverage()}`,
  );
  const cells = [];
  for (const mode of ["relays", "site"]) {
    const side = await startSide(mode);
    console.log(`  ${side.label}: edge at ${side.edge.url}`);
    for (const n of sizes) cells.push(await cell(side, n));
  }
  await sleep(1000);
  // Warm-up (not measured): the first calls compile and fill caches.
  for (let i = 0; i < 2; i++) await round(cells, i, { record: false });
  for (let i = 0; i < rounds; i++) await round(cells, i);
  console.log(`  load average at the end: ${loadAverage()}`);
  if (retried.count) console.log(`  ${retried.count} requests sent again (their pooled keep-alive connection had been closed)`);
  for (const c of cells) {
    if (c.mode === "relays" && c.n > 0) {
      // The counts relays acknowledged with the last publish.
      const st = await siteStats(c.edgeArgs, c.site);
      const relays = st.relays.map((r) => `${r.name.split(":").slice(2).join(":")} ${r.sockets}`).join(", ");
      console.log(`  ${c.name}: stats say ${st.visitor_sockets} widgets on relays [${relays}]`);
    }
  }
  for (const c of cells) {
    console.log(
      `  ${c.name}: change 1 (no widget watches) PUT median ${fmt(median(c.put1))}` +
        (c.ack1.length && c.relays > 0 ? `, every relay acked after median ${fmt(median(c.ack1))}` : "") +
        `; change 2 (every widget watches) PUT median ${fmt(median(c.put2))}` +
        (c.lat.length
          ? `, change->receipt p50 ${fmt(percentile(c.lat, 50))}, p99 ${fmt(percentile(c.lat, 99))} ` +
            `(median per change ${fmt(median(c.p99s))}), max ${fmt(maxOf(c.lat))}, ${c.lat.length} receipts, none missed; ` +
            `other processes ~${((100 * c.others) / c.window).toFixed(0)}% of 2 cores`
          : ""),
    );
  }

  const of = (mode, n) => cells.find((c) => c.mode === mode && c.n === n);
  const row = (mode, key) => sizes.map((n) => `${n}: ${fmt(median(of(mode, n)[key]))}`).join(", ");
  const base = median(of("relays", sizes[0]).put1);
  const spread = sizes.map((n) => median(of("relays", n).put1) / base - 1);
  const flat = spread.every((d) => Math.abs(d) <= flatWithin);
  const cost = sizes
    .map((n) => {
      const c = of("relays", n);
      const acked = c.relays > 0 ? `, every relay acked ${fmt(median(c.ack1))}` : "";
      return `${n} widgets (${c.relays} relay${c.relays === 1 ? "" : "s"}): ${fmt(median(c.put1))}${acked}`;
    })
    .join("; ");
  summary(
    "relays: the site's own cost per change",
    `PUT status of a change no widget watches, median of ${rounds * perRound}: ${cost} ` +
      `(vs the ${sizes[0]}-widget figure: ${spread.map((d) => `${d >= 0 ? "+" : ""}${(d * 100).toFixed(0)}%`).join(", ")}; ` +
      `target flat within ±${(flatWithin * 100).toFixed(0)}%); single object, a change every widget watches ` +
      `(median of ${rounds}): ${row("site", "put2")}`,
    flat,
  );
  reference(
    "relays: PUT status of a change every widget watches",
    `median of ${rounds}: relays ${row("relays", "put2")} (every object shares workerd's one thread here, so this includes the relays' fan-out); ` +
      `single object ${row("site", "put2")}; a change no widget watches, single object: ${row("site", "put1")}`,
  );
  for (const n of sizes.filter((n) => n > 0)) {
    const r = of("relays", n);
    const o = of("site", n);
    reference(
      `relays fan-out N=${n}`,
      `change->receipt with relays (${r.relays} relay${r.relays === 1 ? "" : "s"}) p50 ${fmt(percentile(r.lat, 50))}, ` +
        `p99 ${fmt(percentile(r.lat, 99))} (median per change ${fmt(median(r.p99s))}) vs single object p50 ` +
        `${fmt(percentile(o.lat, 50))}, p99 ${fmt(percentile(o.lat, 99))} (median per change ${fmt(median(o.p99s))}); ` +
        `${rounds} changes each, alternating, every widget received every change`,
    );
  }
} catch (e) {
  failed = true;
  console.log(`  FAILED: ${e.message}`);
  summary("relays", `failed: ${e.message}`, false);
} finally {
  await Promise.all(clients.map((c) => c.closed()));
  await Promise.all(edges.map((e) => e.dispose()));
}
process.exit(failed ? 1 : 0);
