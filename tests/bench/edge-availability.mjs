// The status history (issue 15): what it stores and how fast it answers.
//
// A site with 50 groups, one agent in all of them and one in none (who
// serves the site and every group): each step sets both online, or both
// busy, over HTTP, which changes the site and every group once: 51
// changes recorded per step. The script stores 7 days of ordinary traffic
// for the 51 audiences at once (CHANGES_PER_DAY per audience per day: an
// office day's first agent in, breaks when everyone is busy, back, last
// agent out, working hours closing), then measures:
//
// - storage: the object's database size (GET stats `database_bytes`)
//   before and after, per recorded change and per audience per day;
// - time to answer GET history for 7 days and all 51 audiences (JSON and
//   CSV) and GET insights for the same, median of several runs, beside
//   GET settings of the same site on the same connection (a reference
//   measured in the same run: the object's fixed cost).
//
//   node tests/bench/edge-availability.mjs --url http://127.0.0.1:8787 \
//     --admin-token test-admin-token [--runs 15]

import { parseArgs, createSite, setStatus, must, request, percentile, fmt, reference } from "./edge-common.mjs";

/** A figure without a target. */
const figure = (name, text) => console.log(`SUMMARY ${name}: ${text}`);

const GROUPS = 50;
const DAYS = 7;
/** Status changes of an audience on an ordinary day. */
const CHANGES_PER_DAY = 12;

const args = parseArgs({ runs: "15" });
const runs = Math.min(200, Math.max(3, parseInt(args.runs, 10)));
const groups = Array.from({ length: GROUPS }, (_, i) => `g${String(i).padStart(2, "0")}`);
const site = await createSite(args, { grace: 3600, agents: 2, groups, agentGroups: [groups, []] });
const owner = { token: site.ownerKey };
const base = `/v1/sites/${site.id}`;
const bytes = async () => {
  const s = await must(args.url, "GET", `${base}/stats`, owner);
  if (typeof s.database_bytes !== "number") throw new Error(`stats without database_bytes: ${JSON.stringify(s)}`);
  return s.database_bytes;
};
const countChanges = async () => {
  const h = await must(args.url, "GET", `${base}/history`, owner);
  return h.audiences.reduce((n, a) => n + a.changes.length, 0);
};

// The baseline: the site as created (one change per audience recorded).
const before = await bytes();
const recordedBefore = await countChanges();
const audiences = GROUPS + 1;
const toggles = DAYS * CHANGES_PER_DAY;
const [grouped, ungrouped] = site.agents.map((a) => a.token);
for (let i = 0; i < toggles; i++) {
  const status = i % 2 === 0 ? "online" : "busy";
  // The ungrouped agent first: online wins at once, busy waits for both.
  await setStatus(args, site, ungrouped, status);
  await setStatus(args, site, grouped, status);
}
const after = await bytes();
const recorded = (await countChanges()) - recordedBefore;
if (recorded !== toggles * audiences) {
  throw new Error(`expected ${toggles * audiences} changes recorded, found ${recorded}`);
}
const perChange = (after - before) / recorded;
const perAudienceDay = perChange * CHANGES_PER_DAY;
console.log(`status history storage: ${recorded} changes of ${audiences} audiences (${DAYS} days x ${CHANGES_PER_DAY} changes per audience)`);
console.log(`  database ${before} -> ${after} bytes: ${perChange.toFixed(1)} bytes per change (pages included)`);

// Answer times, interleaved so that both see the same machine.
const times = { settings: [], history: [], csv: [], insights: [] };
const paths = {
  settings: `${base}/settings`,
  history: `${base}/history`,
  csv: `${base}/history?format=csv`,
  insights: `${base}/insights`,
};
for (let i = 0; i < runs + 2; i++) {
  for (const [name, path] of Object.entries(paths)) {
    const r = await request(args.url, "GET", path, owner);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    if (name === "history" && r.body.audiences.length !== audiences) throw new Error(`history of ${r.body.audiences.length} audiences`);
    if (name === "insights" && r.body.audiences.length !== audiences) throw new Error(`insights of ${r.body.audiences.length} audiences`);
    // The first two rounds warm up.
    if (i >= 2) times[name].push(r.ms);
  }
}
const median = (v) => percentile(v, 50);
for (const [name, v] of Object.entries(times)) {
  console.log(`  GET ${paths[name].replace(base, "{site}")}: median ${fmt(median(v))}, p90 ${fmt(percentile(v, 90))} (${v.length} runs)`);
}
figure(
  "history storage",
  `${perAudienceDay.toFixed(0)} bytes per audience per day of ordinary traffic (${CHANGES_PER_DAY} changes; ${perChange.toFixed(1)} bytes per change, measured over ${recorded} changes)`,
);
figure(
  "history answer",
  `7 days for 50 groups + the site (${recorded} changes): JSON median ${fmt(median(times.history))}, CSV ${fmt(median(times.csv))}, insights ${fmt(median(times.insights))}`,
  null,
);
reference("history answer", `GET settings of the same site, same run: median ${fmt(median(times.settings))}`);
