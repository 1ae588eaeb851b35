// Wake counter: N agent pings over a device socket must be answered by the
// runtime's auto-response ("ping" -> "pong") without waking the site's
// Durable Object. Reads GET /v1/sites/{site}/stats before and after and
// reports how many socket messages the object handled (target 0), plus the
// ping round trip.
//
//   node tests/bench/edge-wake.mjs --url http://127.0.0.1:8787 \
//     --admin-token test-admin-token [--pings 1000]

import { parseArgs, createSite, must, openSocket, waitFrame, percentile, performance, fmt, summary, deviceProtocols } from "./edge-common.mjs";

const args = parseArgs({ pings: "1000" });
const pings = Math.min(100_000, Math.max(1, parseInt(args.pings, 10)));

const site = await createSite(args, { grace: 3600, agents: 1 });
const stats = () => must(args.url, "GET", `/v1/sites/${site.id}/stats`, { token: site.ownerKey });
const token = encodeURIComponent(site.agents[0].token);
const { ws: device, first } = await openSocket(`${args.wsUrl}/v1/sites/${site.id}/agents/me/session`, { protocols: deviceProtocols(token) });
if (JSON.parse(first).type !== "hello") throw new Error(`expected hello, got ${first}`);
device.send(JSON.stringify({ type: "status", status: "online" }));

// Let the status message be handled before the baseline.
await new Promise((r) => setTimeout(r, 500));
const before = await stats();
const rtts = [];
for (let i = 0; i < pings; i++) {
  const pong = waitFrame(device, (t) => t === "pong", 5000);
  const t0 = performance.now();
  device.send("ping");
  await pong;
  rtts.push(performance.now() - t0);
}
const after = await stats();
device.close();

const handled = (s) => {
  const n = s.socket_messages_handled;
  if (typeof n !== "number") throw new Error(`stats without socket_messages_handled: ${JSON.stringify(s)}`);
  return n;
};
const woke = handled(after) - handled(before);
console.log(`wake counter: ${pings} pings over one device socket`);
console.log(`  stats before ${JSON.stringify(before)}`);
console.log(`  stats after  ${JSON.stringify(after)}`);
console.log(`  ping round trip p50 ${fmt(percentile(rtts, 50))}, p99 ${fmt(percentile(rtts, 99))}`);
summary(
  "wake",
  `${woke} of ${pings} pings woke the object (socket_messages_handled delta; target 0); ping rtt p99 ${fmt(percentile(rtts, 99))}`,
  woke === 0,
);
