// The visitor sockets of the fan-out benchmarks (edge-fanout.mjs and the
// relay benchmarks edge-relays*.mjs): client processes that hold thousands
// of widget sockets and timestamp, per socket, the receipt of an armed status,
// and the measurements around them (the machine's CPU, the descriptor limit,
// waiting for a server to drain a close storm).
//
// Clients: "rust" (default) is one native process holding every socket in one
// epoll loop (tests/src/bin/fanout-client.rs; `cargo build --release -p
// presenza-tests --bin fanout-client`, which `cargo xtask bench` does); "raw"
// (a minimal node:net client) and "ws" (the `ws` package) are node processes
// (edge-fanout-client.mjs), kept as cross-checks. They speak the same messages:
//
//   call({type: "open", url, count, concurrency, timeoutMs, impl, first?}, "opened")
//       count more sockets (a client may open several batches, on several URLs);
//       the native client also counts first frames without status `first`
//   call({type: "arm", flip, target, timeoutMs}, "armed"), then expect("done")
//       -> {stamps: [ms | NaN per socket, in opening order], cpuMs, closed}
//
// Receipts are stamped with CLOCK_MONOTONIC, the clock of `now()` below, so a
// caller subtracts the instant it sent the change.

import { execSync, fork, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { request, percentile, sleep } from "./edge-common.mjs";
import { cpuMs } from "./edge-miniflare.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const clientScript = path.join(here, "edge-fanout-client.mjs");

/** Milliseconds on the monotonic clock every process shares. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The native client's path: `--client-bin`, else target/release/fanout-client. */
export function clientBinPath(args) {
  return (
    args["client-bin"] ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(here, "../../target"), "release/fanout-client")
  );
}

/** Exits with a hint when the native client is wanted but not built. */
export function requireClient(impl, clientBin) {
  if (impl === "rust" && !fs.existsSync(clientBin)) {
    console.log(`  ${clientBin} is missing: run \`cargo build --release -p presenza-tests --bin fanout-client\` (or pass --client raw)`);
    process.exit(1);
  }
}

/** CPU time (ms) all cores spent busy since boot, from /proc/stat. */
export function machineBusyMs() {
  try {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return ((f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** The soft descriptor limit of this process (children and workerd inherit it). */
export function nofile() {
  try {
    const out = execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim();
    return out === "unlimited" ? Infinity : parseInt(out, 10);
  } catch {
    return NaN;
  }
}

/** The load averages (1, 5, 15 min) as printed by uptime. */
export function loadAverage() {
  try {
    return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** The largest value (NaN if none), without spreading 100,000s of arguments. */
export function maxOf(values) {
  return values.reduce((a, b) => Math.max(a, b), values.length ? -Infinity : NaN);
}

export function minOf(values) {
  return values.reduce((a, b) => Math.min(a, b), values.length ? Infinity : NaN);
}

export const median = (values) => percentile(values, 50);

// ------------------------------------------------------------ clients

/** A client process ("rust", "raw" or "ws"). */
export function startClient({ impl = "rust", clientBin }) {
  if (impl === "rust") return startRustClient(clientBin);
  const child = fork(clientScript, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return clientOf(child, (msg) => child.send(msg), () => child.connected);
}

/** The native client (tests/src/bin/fanout-client.rs): JSON lines over stdio. */
function startRustClient(clientBin) {
  const child = spawn(clientBin, [], { stdio: ["pipe", "pipe", "inherit"] });
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    pending += chunk;
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      if (m.type === "done") m.stamps = m.stamps.map((s) => (s === null ? NaN : s));
      child.emit("message", m);
    }
  });
  child.stdin.on("error", () => {});
  return clientOf(child, (msg) => child.stdin.write(`${JSON.stringify(msg)}\n`), () => child.exitCode === null);
}

function clientOf(child, send, alive) {
  const waiters = [];
  let failure = null;
  child.on("message", (m) => {
    if (m.type === "error") failure = new Error(m.message);
    const i = waiters.findIndex((w) => w.type === m.type || m.type === "error");
    if (i >= 0) {
      const [w] = waiters.splice(i, 1);
      if (m.type === "error") w.reject(new Error(m.message));
      else w.resolve(m);
    }
  });
  child.on("exit", (code) => {
    failure ??= new Error(`client process exited (${code})`);
    for (const w of waiters.splice(0)) w.reject(failure);
  });
  return {
    child,
    /** Sends `msg` and resolves with the next reply of type `type`. */
    call(msg, type) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiters.push({ type, resolve, reject });
        send(msg);
      });
    },
    expect(type) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.push({ type, resolve, reject }));
    },
    close() {
      if (alive()) send({ type: "close" });
    },
    /** Closes the client and waits (at most 5 s) for its process to exit. */
    async closed() {
      this.close();
      if (child.exitCode === null) await Promise.race([new Promise((r) => child.once("exit", r)), sleep(5000)]);
    },
  };
}

/**
 * Opens `count` more widget sockets on `url` in `client` (each counts once
 * its first frame arrived); resolves {secs, wrongFirst}: the seconds it took,
 * and (native client, with `first`) how many first frames did not carry
 * status `first`.
 */
export async function openSockets(client, url, count, { concurrency = 256, timeoutMs = 60_000, impl = "rust", first } = {}) {
  const t0 = now();
  const r = await client.call({ type: "open", url, count, concurrency, timeoutMs, impl, first }, "opened");
  return { secs: (now() - t0) / 1000, wrongFirst: r.wrongFirst ?? NaN };
}

/**
 * One change measured: arms `clients` for `target`, then calls `change()`
 * (the instant just before it is t0) and waits for every socket's receipt
 * of `target` (or `timeoutMs`). Resolves {lat: [ms after t0 per receipt],
 * missing, changeMs (until change() resolved), answer (what it resolved),
 * p50, p99, max, min, serverCpu, clientCpu, others (CPU of other processes,
 * ms), window}.
 */
export async function measureChange(clients, { flip, target, change, timeoutMs = 20_000, workerdPid }) {
  // Waiting for "done" first: a client without sockets answers it at once.
  const done = Promise.all(clients.map((c) => c.expect("done")));
  await Promise.all(clients.map((c) => c.call({ type: "arm", flip, target, timeoutMs }, "armed")));
  const cpu0 = workerdPid ? cpuMs(workerdPid) : NaN;
  const busy0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const t0 = now();
  let answer;
  const changed = change().then((a) => {
    answer = a;
    return now() - t0;
  });
  const [changeMs, replies] = await Promise.all([changed, done]);
  const window = now() - t0;
  const serverCpu = workerdPid ? cpuMs(workerdPid) - cpu0 : NaN;
  const busy1 = machineBusyMs();
  const self = process.cpuUsage(self0);
  const lat = [];
  let clientCpu = 0;
  let sockets = 0;
  for (const r of replies) {
    clientCpu += r.cpuMs;
    sockets += r.stamps.length;
    for (const s of r.stamps) if (!Number.isNaN(s)) lat.push(s - t0);
  }
  const others = busy1 - busy0 - (Number.isFinite(serverCpu) ? serverCpu : 0) - clientCpu - (self.user + self.system) / 1000;
  return {
    lat,
    sockets,
    missing: sockets - lat.length,
    changeMs,
    answer,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: maxOf(lat),
    min: minOf(lat),
    serverCpu,
    clientCpu,
    others: Math.max(0, others),
    window,
  };
}

/** Polls `url` on new connections until it answers within 50 ms (at most 60 s). */
export async function drained(url) {
  const t0 = now();
  const httpAgent = new http.Agent({ keepAlive: false });
  while (now() - t0 < 60_000) {
    try {
      const u = new URL(url);
      const r = await request(u.origin, "GET", u.pathname, { httpAgent });
      if (r.ms < 50) return { ms: now() - t0, ok: true };
    } catch {}
    await sleep(50);
  }
  return { ms: now() - t0, ok: false };
}
