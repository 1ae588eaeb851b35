// A request body that ends before its Content-Length (the client went away
// mid-upload) is refused with 400 `truncated_body`, and nothing of it is
// stored. No browser: raw TCP straight to workerd via Miniflare
// (tests/bench/edge-miniflare.mjs), because `wrangler dev`'s proxy answers a
// broken upload itself (503) before the Worker sees it; in production the
// Worker is what reads the client's stream.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startEdge } from '../bench/edge-miniflare.mjs';
import { apiAt } from './lib.mjs';

const ADMIN = 'truncated-admin-token';
const b64 = (n) => randomBytes(n).toString('base64url');

/** Sends `head` + `body` then stops sending; resolves with the raw answer. */
function rawRequest(base, head, body) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(head);
      socket.write(body);
      socket.end();
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (answer += d));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(20_000, () => {
      socket.destroy();
      resolve(answer);
    });
  });
}

test('a truncated body is refused and nothing of it is stored', async () => {
  const edge = await startEdge({ adminToken: ADMIN });
  try {
    const created = await apiAt(edge.url, 'POST', '/v1/sites', ADMIN);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const site = created.body.site_id;
    const visitor = `${b64(16)}.${b64(32)}`;
    const body = JSON.stringify({ client_id: 'c_1', text: 'hello', name: 'Ann', email: 'ann@example.com' });
    const { host } = new URL(edge.url);
    const head =
      `POST /v1/sites/${site}/visitor/messages HTTP/1.1\r\nHost: ${host}\r\n` +
      `Content-Type: application/json\r\nX-Presenza-Visitor: ${visitor}\r\n` +
      `Content-Length: ${body.length + 40}\r\nConnection: close\r\n\r\n`;
    const answer = await rawRequest(edge.url, head, body);
    const statusLine = answer.split('\r\n')[0] ?? '';
    assert.match(statusLine, / 400 /, `a truncated body must be refused: ${answer}`);
    assert.match(answer, /truncated_body/, answer);
    const thread = await apiAt(edge.url, 'GET', `/v1/sites/${site}/visitor/messages`, undefined, undefined, {
      'X-Presenza-Visitor': visitor,
    });
    assert.equal(thread.status, 200, JSON.stringify(thread.body));
    assert.deepEqual(thread.body.messages, [], 'nothing of the truncated message is stored');
  } finally {
    await edge.dispose();
  }
});
