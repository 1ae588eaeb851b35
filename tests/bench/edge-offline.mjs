// Offline detection: how late after (last sign of life + grace period) does a
// visitor socket receive "offline"?
//
// - device variant: an agent's device socket connects, sets "online", pings,
//   then its TCP connection is destroyed without a close frame;
// - HTTP variant: an HTTP-only agent sets "online" once and goes silent.
//
// Grace period 10 s; `--reps` runs of each variant in parallel, each on its
// own site.
//
//   node tests/bench/edge-offline.mjs --url http://127.0.0.1:8787 \
//     --admin-token test-admin-token [--reps 3]
//
// Target: offline received <= 1 s after last sign of life + grace (and not before).

import {
  parseArgs,
  createSite,
  setStatus,
  openSocket,
  waitFrame,
  statusOf,
  performance,
  sleep,
  fmt,
  summary,
  deviceProtocols,
} from "./edge-common.mjs";

const args = parseArgs({ reps: "3", grace: "10", "target-ms": "1000" });
const reps = Math.min(10, Math.max(1, parseInt(args.reps, 10)));
const grace = Math.min(60, Math.max(10, parseInt(args.grace, 10)));
const graceMs = grace * 1000;
const targetMs = Number(args["target-ms"]);

const isStatus = (s) => (_text, json) => statusOf(json) === s;

async function visitorOf(site) {
  const { ws, first } = await openSocket(`${args.wsUrl}/v1/sites/${site.id}/live`);
  const s = statusOf(JSON.parse(first));
  if (s !== "offline") throw new Error(`a new site starts offline, got ${first}`);
  return ws;
}

async function deviceVariant() {
  const site = await createSite(args, { grace, agents: 1 });
  const visitor = await visitorOf(site);
  const token = encodeURIComponent(site.agents[0].token);
  // Connecting may already make the agent online: listen first.
  const online = waitFrame(visitor, isStatus("online"), 5000);
  const { ws: device, first } = await openSocket(`${args.wsUrl}/v1/sites/${site.id}/agents/me/session`, { protocols: deviceProtocols(token) });
  if (JSON.parse(first).type !== "hello") throw new Error(`expected hello, got ${first}`);
  device.send(JSON.stringify({ type: "status", status: "online" }));
  await online;
  let lastPing = 0;
  for (let i = 0; i < 3; i++) {
    await sleep(1000);
    const pong = waitFrame(device, (t) => t === "pong", 5000);
    lastPing = performance.now();
    device.send("ping");
    await pong;
  }
  const offline = waitFrame(visitor, isStatus("offline"), graceMs + 15_000);
  // No close frame: the connection just disappears.
  device._socket.destroy();
  const { at } = await offline;
  visitor.terminate();
  return at - (lastPing + graceMs);
}

async function httpVariant() {
  const site = await createSite(args, { grace, agents: 1 });
  const visitor = await visitorOf(site);
  const online = waitFrame(visitor, isStatus("online"), 5000);
  const sent = performance.now();
  await setStatus(args, site, site.agents[0].token, "online", { session: "http-only" });
  await online;
  const { at } = await waitFrame(visitor, isStatus("offline"), graceMs + 15_000);
  visitor.terminate();
  return at - (sent + graceMs);
}

console.log(`offline detection: grace ${grace} s, ${reps} run(s) of each variant in parallel`);
const runs = await Promise.allSettled([
  ...Array.from({ length: reps }, () => deviceVariant().then((d) => ["device", d])),
  ...Array.from({ length: reps }, () => httpVariant().then((d) => ["http", d])),
]);
const byVariant = { device: [], http: [] };
for (const r of runs) {
  if (r.status === "fulfilled") byVariant[r.value[0]].push(r.value[1]);
  else {
    console.log(`  a run failed: ${r.reason && r.reason.message}`);
    process.exitCode = 1;
  }
}
for (const [variant, delays] of Object.entries(byVariant)) {
  if (delays.length === 0) {
    summary(`offline ${variant}`, "no successful run", false);
    continue;
  }
  const max = Math.max(...delays);
  const min = Math.min(...delays);
  console.log(`  ${variant}: delays after last sign of life + grace: ${delays.map(fmt).join(", ")}`);
  summary(
    `offline ${variant}`,
    `offline received ${fmt(min)} .. ${fmt(max)} after last sign of life + ${grace} s (target 0 .. ${targetMs} ms)`,
    max <= targetMs && min >= -250,
  );
}
process.exit(process.exitCode ?? 0);
