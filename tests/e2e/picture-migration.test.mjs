// A site stored before agents' pictures (issue 14: no `agent_pictures`
// table, the schema before) gets the table from the current edge (schema
// 11, made on start by `SCHEMA`), keeps its agents and conversations, and
// its agents can set a picture at once. The table must exist before the
// first read of an agent (their rows read their picture's version from
// it), so a store that lacked it would answer 500 everywhere. No browser:
// runtimes in turn on one persisted Durable Object store, in workerd via
// Miniflare (tests/bench/edge-miniflare.mjs), as across a deploy.
//
// 1. The current edge makes a site with an agent, online, and a
//    conversation the agent answered.
// 2. A small JS worker with the same Durable Object identity rewrites the
//    store into its shape before pictures (the table dropped, the schema
//    version of main before them: 8).
// 3. The current edge on it: the agent, its status and the conversation
//    are there (no picture), and a picture can be set and read.
// 4. The store itself now has the table and the current schema.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOnline, call, createSite, must, onNewStore, SCHEMA_VERSION, storeWorker } from './store-lib.mjs';

// The schema before agents' pictures.
const BEFORE_PICTURES = [
  'DROP TABLE agent_pictures',
  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
];

const STORE_WORKER = storeWorker(BEFORE_PICTURES, {
  agents: 'count("agents")',
  pictures: 'tables.includes("agent_pictures") ? count("agent_pictures") : null',
});

/** The smallest PNG header the edge reads (8×8). */
function pngHeader() {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(8, 16);
  b.writeUInt32BE(8, 20);
  return b;
}

test('a site stored before pictures gets their table, keeps everything, and its agents can set one', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER }, async ({ withEdge, onStore }) => {
    // 1. Made by the current edge.
    const visitor = { 'X-Presenza-Visitor': 'pictureMigration000001.pictureMigrationSecret000000000000000000000' };
    const { site, agent } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      const agent = await agentOnline(edge, site, owner);
      const conversation = (await must('visitor', call(edge.url, 'POST', `/v1/sites/${site}/visitor/messages`, {
        headers: visitor, body: { client_id: 'v_1', text: 'Hello?' },
      }))).conversation_id;
      await must('reply', call(edge.url, 'POST', `/v1/sites/${site}/conversations/${conversation}/messages`, {
        token: agent, body: { client_id: 'r_1', text: 'Hi!' },
      }));
      return { site, agent };
    });

    // 2. As the edge before pictures left it.
    const old = await onStore(site, 'downgrade');
    assert.ok(!old.tables.includes('agent_pictures'), JSON.stringify(old));
    assert.equal(Number(old.schema_version), 8);

    // 3. The current edge on it.
    await withEdge(async (edge) => {
      const status = await must('status', call(edge.url, 'GET', `/v1/sites/${site}/status`));
      assert.equal(status.status, 'online', 'nothing was lost');
      const me = await must('me', call(edge.url, 'GET', `/v1/sites/${site}/agents/me`, { token: agent }));
      assert.equal(me.agent.picture, undefined, 'no picture yet');
      const thread = await must('thread', call(edge.url, 'GET', `/v1/sites/${site}/visitor/messages`, { headers: visitor }));
      assert.deepEqual(thread.messages.map((m) => m.text), ['Hello?', 'Hi!']);
      const res = await fetch(`${edge.url}/v1/sites/${site}/agents/me/picture`, {
        method: 'PUT', headers: { Authorization: `Bearer ${agent}`, 'Content-Type': 'image/png' }, body: pngHeader(),
      });
      const set = await res.json();
      assert.equal(res.status, 200, JSON.stringify(set));
      assert.match(set.picture, /^[0-9a-f]{16}$/);
      const got = await fetch(`${edge.url}/v1/sites/${site}/agents/giulia/picture?v=${set.picture}`);
      assert.equal(got.status, 200);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), pngHeader());
    });

    // 4. Written in storage: the table, the current schema.
    const now = await onStore(site, 'inspect');
    assert.ok(now.tables.includes('agent_pictures'), JSON.stringify(now));
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
    assert.equal(now.agents, 1);
    assert.equal(now.pictures, 1);
  }));
