// One client process of the fan-out benchmark (forked by edge-fanout.mjs):
// holds a share of the visitor sockets and timestamps, per socket, the
// receipt of an armed status with the machine's monotonic clock
// (process.hrtime = CLOCK_MONOTONIC, the same clock in every process), so
// the parent can subtract the instant it sent the change.
//
// Two socket implementations (--client in the parent):
// - "raw" (default): a minimal WebSocket client on node:net (handshake,
//   unmasked server frames, no extensions) that stamps each TCP read before
//   anything else and matches the status by a byte search, a few µs per
//   frame, so the clients stay far from being the bottleneck;
// - "ws": the `ws` package with JSON parsing, as a cross-check.
//
// Messages from the parent (IPC, advanced serialization):
//   {type: "open", url, count, concurrency, timeoutMs, impl} -> {type: "opened", count, ms}
//        (count more sockets; the reply's count is all it holds)
//   {type: "arm", flip, target, timeoutMs}                   -> {type: "armed", flip}
//        ... later                                           -> {type: "done", flip, stamps, cpuMs, closed}
//   {type: "close"}                                          -> exits
// Any failure -> {type: "error", message}.

import crypto from "node:crypto";
import net from "node:net";
import WebSocket from "ws";

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sockets = [];
let armed = null; // {flip, target, needle, stamps: Float64Array, left, timer, cpu}
let closed = 0;

function statusOf(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!json) return undefined;
  if (typeof json.status === "string") return json.status;
  if (json.status && typeof json.status.status === "string") return json.status.status;
  return undefined;
}

/** A text frame (Buffer, `ws` client) for socket `index`, received at `t`. */
function onText(index, text, t) {
  const a = armed;
  if (!a || !Number.isNaN(a.stamps[index])) return;
  if (statusOf(text) !== a.target) return;
  hit(a, index, t);
}

function hit(a, index, t) {
  a.stamps[index] = t;
  if (--a.left === 0) finish(a);
}

function finish(a) {
  if (armed !== a) return;
  armed = null;
  clearTimeout(a.timer);
  const cpu = process.cpuUsage(a.cpu);
  process.send({ type: "done", flip: a.flip, stamps: a.stamps, cpuMs: (cpu.user + cpu.system) / 1000, closed });
}

// ------------------------------------------------------------ raw client

/**
 * Opens `url` on node:net; resolves once the 101 and the first text frame
 * arrived. Later frames are matched against the armed status's bytes.
 */
function openRaw(url, index, timeoutMs) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    let settled = false;
    let upgraded = false;
    let buf = Buffer.alloc(0);
    const fail = (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`no first frame within ${timeoutMs} ms`)), timeoutMs);
    sock.on("connect", () => {
      const key = crypto.randomBytes(16).toString("base64");
      sock.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.on("error", (e) => fail(e));
    sock.on("close", () => {
      if (settled) closed++;
      else fail(new Error("closed before the first frame"));
    });
    sock.on("data", (chunk) => {
      const t = now(); // first thing: the receipt instant
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString("latin1");
        if (!/^HTTP\/1\.1 101/.test(head)) return fail(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      // Frames from the server are unmasked; workerd does not fragment.
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) break;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) break;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) break;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x1) {
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            resolve(sock);
            continue;
          }
          const a = armed;
          if (a && Number.isNaN(a.stamps[index]) && payload.indexOf(a.needle) >= 0) hit(a, index, t);
        } else if (opcode === 0x8) {
          sock.end();
        } else if (opcode === 0x9) {
          // Pong with the same payload, masked with a zero key.
          sock.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
        }
      }
      if (buf.length === 0) buf = Buffer.alloc(0);
    });
  });
}

// ------------------------------------------------------------ ws client

function openWs(url, index, timeoutMs) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(new Error(`no first frame within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on("unexpected-response", (_req, res) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
    });
    ws.on("error", (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    });
    ws.on("close", () => {
      if (settled) closed++;
    });
    ws.once("message", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.on("message", (data) => onText(index, data.toString(), now()));
      resolve(ws);
    });
  });
}

/** Opens `count` more sockets, after those already held. */
async function open({ url, count, concurrency, timeoutMs, impl }) {
  const openOne = impl === "ws" ? openWs : openRaw;
  const t0 = now();
  const held = sockets.length;
  let next = 0;
  let failure = null;
  const lane = async () => {
    while (next < count && !failure) {
      const index = held + next++;
      try {
        sockets[index] = await openOne(url, index, timeoutMs);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure) {
    const opened = sockets.filter(Boolean).length;
    if (/EMFILE|ENFILE/.test(failure.message)) {
      throw new Error(`out of file descriptors at ${opened} sockets: raise \`ulimit -n\` (${failure.message})`);
    }
    throw new Error(`opening socket ${opened + 1} of ${held + count} failed: ${failure.message}`);
  }
  return now() - t0;
}

process.on("message", async (m) => {
  try {
    if (m.type === "open") {
      const ms = await open(m);
      process.send({ type: "opened", count: sockets.length, ms });
    } else if (m.type === "arm") {
      const a = {
        flip: m.flip,
        target: m.target,
        needle: Buffer.from(`"status":${JSON.stringify(m.target)}`),
        stamps: new Float64Array(sockets.length).fill(NaN),
        left: sockets.length,
        cpu: process.cpuUsage(),
      };
      a.timer = setTimeout(() => finish(a), m.timeoutMs);
      armed = a;
      process.send({ type: "armed", flip: m.flip });
    } else if (m.type === "close") {
      for (const s of sockets) {
        if (!s) continue;
        if (s instanceof WebSocket) s.terminate();
        else s.destroy();
      }
      setTimeout(() => process.exit(0), 200);
    }
  } catch (e) {
    process.send({ type: "error", message: String(e && e.message) });
  }
});
process.on("disconnect", () => process.exit(0));
