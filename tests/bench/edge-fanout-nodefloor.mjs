// The machine's transport floor for the fan-out benchmark: a bare node
// WebSocket server (forked by edge-fanout.mjs --floor) that writes one
// prebuilt status frame to every socket, with none of workerd's per-socket
// machinery (hibernation, output gates, in-process pipes). What remains is
// the kernel's loopback TCP and the clients.
//
//   GET /live/{site} (upgrade)   -> a socket, first frame {"status":"offline",...}
//   PUT /flip/{site}?status=S    -> S sent to every socket of {site}: {"sent": n}
// Reports {type: "listening", port} to the parent over IPC. Loopback only.

import crypto from "node:crypto";
import http from "node:http";

const sites = new Map();
const frame = (status) => {
  const payload = Buffer.from(
    JSON.stringify({ status, reason: "manual", message: null, back_at: null, next_change: "2026-01-01T00:00:00Z", group: null }),
  );
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]); // < 126 bytes
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const site = url.pathname.split("/")[2] ?? "x";
  if (url.pathname === "/health") {
    res.writeHead(200).end("ok");
    return;
  }
  if (req.method !== "PUT" || !url.pathname.startsWith("/flip/")) {
    res.writeHead(404).end();
    return;
  }
  req.resume();
  req.on("end", () => {
    const f = frame(url.searchParams.get("status") ?? "online");
    let n = 0;
    for (const s of sites.get(site) ?? []) {
      if (!s.destroyed) {
        s.write(f);
        n++;
      }
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sent: n }));
  });
});
server.on("upgrade", (req, socket) => {
  const site = new URL(req.url, "http://x").pathname.split("/")[2] ?? "x";
  const accept = crypto
    .createHash("sha1")
    .update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
  socket.setNoDelay(true);
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.write(frame("offline"));
  if (!sites.has(site)) sites.set(site, new Set());
  sites.get(site).add(socket);
  socket.on("error", () => {});
  socket.on("close", () => sites.get(site)?.delete(socket));
  socket.on("data", () => {}); // clients only listen
});
server.listen(0, "127.0.0.1", () => process.send({ type: "listening", port: server.address().port }));
process.on("disconnect", () => process.exit(0));
