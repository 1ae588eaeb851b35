// Fan-out: one status change delivered to N visitor sockets of one site.
// Per socket, the time from sending the agent's PUT status to the receipt of
// the new status; p50/p99/max per N, for the first change after the site's
// object went idle (hibernated) and for the steady state.
//
// The widgets go where the edge puts them: on relays since issue 12 (at most
// RELAY_MAX_SOCKETS each, 5,000: 10,000 widgets on two relays), or all on the
// site's object with --var VISITOR_SOCKETS=site (the single-object path).
// edge-relays.mjs measures the two side by side in one run.
//
//   node tests/bench/edge-fanout.mjs --miniflare [--sizes 1000,10000] \
//     [--changes 6] [--idle 15] [--wakes 1] [--clients 4] [--concurrency 256] \
//     [--client rust|raw|ws] [--client-bin PATH] [--floor] [--via-entry]
//   node tests/bench/edge-fanout.mjs --url http://127.0.0.1:8787 --admin-token T ...
//
// Where the edge runs:
// - `--miniflare` (what `cargo xtask bench` uses): starts its own edge, the
//   built worker (edge/build) in workerd via Miniflare, with no `wrangler dev`
//   in front (see edge-miniflare.mjs). workerd then holds one descriptor per
//   socket, so 10,000 sockets fit in a 20,000 `ulimit -n`. It listens on a
//   Miniflare direct socket to the worker, as production has no router worker
//   in front; `--via-entry` goes through Miniflare's entry worker instead (one
//   more in-process pipe per frame, as under wrangler dev).
// - `--url`: an edge that is already running. Under `wrangler dev` a proxy (a
//   second workerd) holds ~7 descriptors per socket, so each size is capped
//   at what `ulimit -n` allows (printed), unless --no-cap is given.
// - `--floor` also runs the same measurement against a trivial JS Durable
//   Object doing the same fan-out on the same runtime (the runtime's floor),
//   and against a bare node WebSocket server (edge-fanout-nodefloor.mjs: the
//   floor of loopback TCP plus these clients on this machine).
//
// Clients (--client): "rust" (default) is one native process holding every
// socket in one epoll loop (tests/src/bin/fanout-client.rs; build it with
// `cargo build --release -p presenza-tests --bin fanout-client`, which
// `cargo xtask bench` does): ~5 µs of CPU per receipt, so on this 2-core
// machine the clients take as little as possible from the server measured.
// "raw" (a minimal node:net client) and "ws" (the `ws` package) spread the
// sockets over --clients node processes, as cross-checks. All timestamp
// receipt with the monotonic clock shared by all processes; the change
// instant is taken just before the PUT is written. Each change prints the
// CPU the server, the clients and the rest of the machine used meanwhile
// (the machine is shared: other processes inflate latencies, and the summary
// says by how much they loaded it).
//
// Each size first waits --idle seconds (workerd evicts an idle object after
// ~10 s and its sockets hibernate, unless the site keeps itself resident: at
// 2,000 visitor sockets and more, see edge/src/residency.rs) and reports
// that first change separately (--wakes times), then makes --changes
// steady-state changes 400 ms apart.
// Target: p99 <= 250 ms at 10,000.

import { fork } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  parseArgs,
  edgeVars,
  createSite,
  setStatus,
  request,
  freshConnections,
  percentile,
  sleep,
  fmt,
  summary,
} from "./edge-common.mjs";
import { startEdge, startFloorEdge, cpuMs } from "./edge-miniflare.mjs";
import {
  now,
  clientBinPath,
  requireClient,
  nofile,
  machineBusyMs,
  maxOf,
  startClient as spawnClient,
  drained,
} from "./edge-sockets.mjs";

const args = parseArgs({
  sizes: "1000,10000",
  changes: "6",
  idle: "15",
  wakes: "1",
  clients: "4",
  concurrency: "256",
  client: "rust",
  "target-p99": "250",
});
const sizes = args.sizes.split(",").map((s) => parseInt(s, 10)).filter((n) => n > 0 && n <= 30_000);
const changes = Math.min(20, Math.max(5, parseInt(args.changes, 10)));
const idleSecs = Math.min(120, Math.max(0, Number(args.idle)));
const wakes = Math.min(5, Math.max(1, parseInt(args.wakes, 10)));
const maxClients = Math.min(8, Math.max(1, parseInt(args.clients, 10)));
const concurrency = Math.min(2000, Math.max(1, parseInt(args.concurrency, 10)));
const targetP99 = Number(args["target-p99"]);
const useMiniflare = args.miniflare !== undefined;
// --var NAME=VALUE (repeatable as a comma list): overrides a wrangler.toml var
// of the Miniflare edge, e.g. --var KEEP_RESIDENT_FROM_VISITORS=0.
const vars = edgeVars(args);
const withFloor = args.floor !== undefined;
const impl = ["ws", "raw"].includes(args.client) ? args.client : "rust";
const clientBin = clientBinPath(args);
requireClient(impl, clientBin);
// Through Miniflare's entry worker (as `wrangler dev` does) instead of a direct socket.
const direct = args["via-entry"] === undefined;
const via = direct ? "direct socket to the worker" : "through Miniflare's entry worker";
const fdsPerSocket = Number(args["fds-per-socket"] ?? 7);
const here = path.dirname(fileURLToPath(import.meta.url));
const limit = nofile();

// ------------------------------------------------------------ the servers measured

/** The Presenza API: a new site with one agent, changes by PUT status. */
function presenzaDriver(edgeArgs) {
  return {
    health: `${edgeArgs.url}/v1/health`,
    async prepare() {
      const site = await createSite(edgeArgs, { grace: 3600, agents: 1 });
      const agent = site.agents[0];
      await setStatus(edgeArgs, site, agent.token, "online", { session: "bench" });
      this.site = site;
      this.agent = agent;
      return `${edgeArgs.wsUrl}/v1/sites/${site.id}/live`;
    },
    /** The object's residency, from GET stats (owner). */
    async object() {
      try {
        const r = await request(edgeArgs.url, "GET", `/v1/sites/${this.site.id}/stats`, {
          token: this.site.ownerKey,
          httpAgent: new http.Agent({ keepAlive: false }),
        });
        return { resident: r.body?.resident, started: r.body?.instance_started_at };
      } catch (e) {
        return { error: e.message };
      }
    },
    change(target, i) {
      return setStatus(edgeArgs, this.site, this.agent.token, target, {
        session: "bench",
        message: target === "busy" ? `change ${i}` : undefined,
      });
    },
  };
}

/** The floor worker of edge-miniflare.mjs. */
function floorDriver(edgeArgs) {
  return {
    health: `${edgeArgs.url}/health`,
    async prepare() {
      this.site = `f${Date.now()}`;
      return `${edgeArgs.wsUrl}/live/${this.site}`;
    },
    async change(target) {
      const r = await request(edgeArgs.url, "PUT", `/flip/${this.site}?status=${target}`);
      if (r.status !== 200) throw new Error(`PUT /flip -> ${r.status}`);
      return r.body;
    },
  };
}

/** The bare node WebSocket server of edge-fanout-nodefloor.mjs (same API as the floor worker). */
function startNodeFloor() {
  const child = fork(path.join(here, "edge-fanout-nodefloor.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`node floor server exited (${code})`)));
    child.once("message", (m) => {
      const url = `http://127.0.0.1:${m.port}`;
      resolve({
        url,
        workerdPid: child.pid,
        async dispose() {
          child.kill();
        },
      });
    });
  });
}

// ------------------------------------------------------------ clients

const startClient = () => spawnClient({ impl, clientBin });

// ------------------------------------------------------------ one size

async function runSize(n, driver, workerdPid) {
  const liveUrl = await driver.prepare();
  // One native client process holds every socket (one epoll loop); node
  // clients are spread over up to --clients processes.
  const k = impl === "rust" ? 1 : Math.min(maxClients, Math.max(1, Math.ceil(n / 500)));
  const clients = Array.from({ length: k }, startClient);
  try {
    const shares = clients.map((_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
    const openStart = now();
    await Promise.all(
      clients.map((c, i) =>
        c.call(
          { type: "open", url: liveUrl, count: shares[i], concurrency: Math.ceil(concurrency / k), timeoutMs: 60_000, impl },
          "opened",
        ),
      ),
    );
    const openSecs = (now() - openStart) / 1000;
    console.log(
      `  ${n} sockets open (first frame received) in ${openSecs.toFixed(1)} s ` +
        `(${(n / openSecs).toFixed(0)}/s, ${k} client processes with the ${impl} client, ${concurrency} concurrent upgrades)`,
    );

    const runs = [];
    const total = wakes + changes;
    for (let i = 0; i < total; i++) {
      const first = i < wakes;
      const before = first && driver.object ? await driver.object() : null;
      await sleep(first ? idleSecs * 1000 : 400);
      const target = i % 2 === 0 ? "busy" : "online";
      await Promise.all(clients.map((c) => c.call({ type: "arm", flip: i, target, timeoutMs: 20_000 }, "armed")));
      const done = Promise.all(clients.map((c) => c.expect("done")));
      const cpu0 = cpuMs(workerdPid);
      const busy0 = machineBusyMs();
      const self0 = process.cpuUsage();
      const t0 = now();
      const put = driver.change(target, i).then(() => now() - t0);
      const [putMs, replies] = await Promise.all([put, done]);
      const cpu1 = cpuMs(workerdPid);
      const busy1 = machineBusyMs();
      const self = process.cpuUsage(self0);
      const lat = [];
      let clientCpu = 0;
      for (const r of replies) {
        clientCpu += r.cpuMs;
        for (const s of r.stamps) if (!Number.isNaN(s)) lat.push(s - t0);
      }
      const run = {
        first,
        target,
        lat,
        putMs,
        missing: n - lat.length,
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        max: maxOf(lat),
        min: lat.reduce((a, b) => Math.min(a, b), lat.length ? Infinity : NaN),
        serverCpu: cpu1 - cpu0,
        clientCpu,
        window: now() - t0,
      };
      // CPU the rest of the machine used meanwhile (other engineers' work): noise.
      const others = busy1 - busy0 - (Number.isFinite(run.serverCpu) ? run.serverCpu : 0) - clientCpu -
        (self.user + self.system) / 1000;
      run.others = Math.max(0, others);
      runs.push(run);
      if (before) {
        const after = await driver.object();
        console.log(
          before.error || after.error
            ? `    (object residency unknown: GET stats failed: ${before.error ?? after.error})`
            : `    (object ${before.resident ? "resident" : "not resident"} before the idle wait; ` +
                `${after.started === before.started ? "same instance after it" : "evicted during it: a new instance handled the change"})`,
        );
      }
      console.log(
        `    ${first ? `first change after ${idleSecs} s idle` : `change ${i - wakes + 1}`} -> ${target}: ` +
          `${lat.length}/${n} received, first ${fmt(run.min)}, p50 ${fmt(run.p50)}, p99 ${fmt(run.p99)}, ` +
          `max ${fmt(run.max)}; PUT answered ${fmt(putMs)}` +
          (Number.isFinite(run.serverCpu)
            ? `; CPU: server ${run.serverCpu.toFixed(0)} ms, clients ${clientCpu.toFixed(0)} ms, ` +
              `other processes ~${run.others.toFixed(0)} ms`
            : `; CPU: clients ${clientCpu.toFixed(0)} ms, the edge and other processes ~${run.others.toFixed(0)} ms`) +
          ` (of ${(2 * run.window).toFixed(0)} ms on 2 cores)`,
      );
    }
    const steadyRuns = runs.filter((r) => !r.first);
    const all = steadyRuns.flatMap((r) => r.lat);
    const steady = {
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      max: maxOf(all),
      missing: steadyRuns.reduce((a, r) => a + r.missing, 0),
      count: all.length,
      worstP99: Math.max(...steadyRuns.map((r) => r.p99)),
      medianP99: percentile(steadyRuns.map((r) => r.p99), 50),
      // Share of the machine's 2 cores other processes took during the changes.
      noise:
        steadyRuns.reduce((a, r) => a + r.others, 0) / steadyRuns.reduce((a, r) => a + 2 * r.window, 0),
    };
    console.log(
      `  N=${n} steady state (${steadyRuns.length} changes, ${all.length} receipts): p50 ${fmt(steady.p50)}, ` +
        `p99 ${fmt(steady.p99)} (per change: median ${fmt(steady.medianP99)}, worst ${fmt(steady.worstP99)}), ` +
        `max ${fmt(steady.max)}, missing ${steady.missing}`,
    );
    if (steady.noise > 0.1 && workerdPid) {
      console.log(
        `  note: other processes used ~${(steady.noise * 100).toFixed(0)}% of this machine's 2 cores during these changes; ` +
          `latencies are inflated by them (the per-change lines show which changes were quiet)`,
      );
    }
    const wakeRuns = runs.filter((r) => r.first);
    const woke = wakeRuns.flatMap((r) => r.lat);
    const first = {
      p50: percentile(woke, 50),
      p99: percentile(woke, 99),
      max: maxOf(woke),
      missing: wakeRuns.reduce((a, r) => a + r.missing, 0),
      noise: wakeRuns.reduce((a, r) => a + r.others, 0) / wakeRuns.reduce((a, r) => a + 2 * r.window, 0),
    };
    console.log(
      `  N=${n} first change after ${idleSecs} s idle (${wakeRuns.length} time${wakeRuns.length > 1 ? "s" : ""}): ` +
        `p50 ${fmt(first.p50)}, p99 ${fmt(first.p99)}, max ${fmt(first.max)}, missing ${first.missing}`,
    );
    return { n, openSecs, first, steady, known: Boolean(workerdPid) };
  } finally {
    for (const c of clients) c.close();
    const exited = (c) => new Promise((r) => (c.child.exitCode === null ? c.child.once("exit", r) : r()));
    await Promise.race([Promise.all(clients.map(exited)), sleep(5000)]);
    // Every close is an event for the object: until they are handled, the
    // runtime answers nothing else. Wait for that (and report it).
    const stall = await drained(driver.health);
    console.log(
      `  after closing the ${n} sockets the server answered again within ${fmt(stall.ms)}` +
        (stall.ok ? "" : " (still slow: gave up waiting)"),
    );
    freshConnections();
  }
}

// ------------------------------------------------------------ main

async function measure(label, makeDriver, edge, capFor) {
  const results = [];
  for (const wanted of sizes) {
    const n = capFor(wanted);
    if (n < wanted) {
      console.log(
        `  note: ${wanted} sockets need ~${Math.ceil(wanted * fdsPerSocket + 1000)} descriptors in wrangler dev's proxy; ` +
          `ulimit -n is ${limit}, so measuring ${n} (use --miniflare, or pass --no-cap to try anyway)`,
      );
    }
    console.log(`fan-out to ${n} visitor sockets, ${label}:`);
    try {
      const r = await runSize(n, makeDriver(), edge.workerdPid);
      r.wanted = wanted;
      results.push(r);
    } catch (e) {
      console.log(`  N=${n}: FAILED: ${e.message}`);
      summary(`fanout N=${n}`, `failed: ${e.message}`, false);
      process.exitCode = 1;
    }
  }
  return results;
}

function report(results, prefix) {
  for (const r of results) {
    const capped = r.n < r.wanted;
    const judge = (p99, missing) => {
      const met = missing === 0 && (r.wanted < 10_000 || p99 <= targetP99);
      return capped ? (met ? null : false) : met;
    };
    const name = `${prefix}N=${r.n}${capped ? ` (of ${r.wanted} requested: capped by ulimit -n ${limit})` : ""}`;
    const tail = r.wanted >= 10_000 ? ` (target p99 <= ${targetP99} ms at 10,000)` : "";
    summary(
      `${name} steady`,
      `change->receipt p50 ${fmt(r.steady.p50)}, p99 ${fmt(r.steady.p99)} (median per change ${fmt(r.steady.medianP99)}), ` +
        `max ${fmt(r.steady.max)}, missing ${r.steady.missing}; sockets opened in ${r.openSecs.toFixed(1)} s; ` +
        (r.known ? `other load ~${(r.steady.noise * 100).toFixed(0)}% of 2 cores` : "edge CPU not separable") +
        tail,
      judge(r.steady.p99, r.steady.missing),
    );
    summary(
      `${name} first change after ${idleSecs} s idle`,
      `change->receipt p50 ${fmt(r.first.p50)}, p99 ${fmt(r.first.p99)}, max ${fmt(r.first.max)}, ` +
        `missing ${r.first.missing}` +
        (r.known ? `; other load ~${(r.first.noise * 100).toFixed(0)}% of 2 cores` : "") +
        tail,
      judge(r.first.p99, r.first.missing),
    );
  }
}

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

try {
  if (limit < 2 * Math.max(...sizes) && useMiniflare) {
    console.log(`  note: ulimit -n is ${limit}: raise it (ulimit -n $(ulimit -Hn)) for ${Math.max(...sizes)} sockets`);
  }
  let results;
  if (useMiniflare) {
    const edge = await startEdge({ adminToken: args["admin-token"], direct, vars });
    edges.push(edge);
    const edgeArgs = { ...args, url: edge.url, wsUrl: edge.url.replace(/^http:/, "ws:") };
    results = await measure(
      `Presenza edge (edge/build) in workerd via Miniflare (no wrangler dev proxy; ${via}) at ${edge.url}`,
      () => presenzaDriver(edgeArgs),
      edge,
      (n) => n,
    );
    await edge.dispose();
    edges.pop();
  } else {
    const cap =
      args["no-cap"] !== undefined || !Number.isFinite(limit) ? Infinity : Math.floor((limit - 1000) / fdsPerSocket);
    results = await measure(`edge at ${args.url}`, () => presenzaDriver(args), { workerdPid: null }, (n) =>
      Math.min(n, cap),
    );
  }
  const floor = [];
  if (withFloor) {
    const edge = await startFloorEdge({ direct });
    edges.push(edge);
    const edgeArgs = { ...args, url: edge.url, wsUrl: edge.url.replace(/^http:/, "ws:") };
    for (const r of await measure(
      `runtime floor: trivial JS Durable Object, same fan-out, same workerd (${via}) at ${edge.url}`,
      () => floorDriver(edgeArgs),
      edge,
      (n) => n,
    )) {
      floor.push({ ...r, label: "trivial JS Durable Object in workerd" });
    }
    await edge.dispose();
    edges.pop();
    const node = await startNodeFloor();
    edges.push(node);
    const nodeArgs = { ...args, url: node.url, wsUrl: node.url.replace(/^http:/, "ws:") };
    for (const r of await measure(
      `transport floor: bare node WebSocket server writing one prebuilt frame per socket, at ${node.url}`,
      () => floorDriver(nodeArgs),
      node,
      (n) => n,
    )) {
      floor.push({ ...r, label: "bare node server (loopback TCP + clients only)" });
    }
    await node.dispose();
    edges.pop();
  }
  report(results, useMiniflare ? "fanout (own edge: workerd via Miniflare, no dev proxy) " : "fanout ");
  // The floor is for comparison: never a target.
  for (const r of floor) {
    console.log(
      `SUMMARY fanout floor N=${r.n}: ${r.label}: steady p50 ${fmt(r.steady.p50)}, ` +
        `p99 ${fmt(r.steady.p99)}; first after idle p99 ${fmt(r.first.p99)} [reference]`,
    );
  }
} catch (e) {
  console.log(`  FAILED: ${e.message}`);
  summary("fanout", `failed: ${e.message}`, false);
  process.exitCode = 1;
} finally {
  await Promise.all(edges.map((e) => e.dispose()));
}
process.exit(process.exitCode ?? 0);
