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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEdge } from '../bench/edge-miniflare.mjs';
import { call, must, onStore as onStoreWith, SCHEMA_VERSION } from './store-lib.mjs';

const ADMIN = 'picture-migration-admin-token';

// The schema before agents' pictures.
const BEFORE_PICTURES = [
  'DROP TABLE agent_pictures',
  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
];

/** The edge's object on its store: `/v1/<site>/downgrade` or `/v1/<site>/inspect`. */
const STORE_WORKER = `
import { DurableObject } from "cloudflare:workers";
const STATEMENTS = ${JSON.stringify(BEFORE_PICTURES)};
export class SiteObject extends DurableObject {
  async fetch(req) {
    const sql = this.ctx.storage.sql;
    if (new URL(req.url).pathname.endsWith("/downgrade")) {
      this.ctx.storage.transactionSync(() => { for (const s of STATEMENTS) sql.exec(s); });
    }
    const tables = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").toArray().map((r) => r.name);
    return Response.json({
      tables,
      schema_version: sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").one().value,
      agents: sql.exec("SELECT COUNT(*) AS n FROM agents").one().n,
      pictures: tables.includes("agent_pictures") ? sql.exec("SELECT COUNT(*) AS n FROM agent_pictures").one().n : null,
    });
  }
}
`;

const onStore = (persistDir, site, what) => onStoreWith(persistDir, site, what, STORE_WORKER);

/** The smallest PNG header the edge reads (8×8). */
function pngHeader() {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(8, 16);
  b.writeUInt32BE(8, 20);
  return b;
}

test('a site stored before pictures gets their table, keeps everything, and its agents can set one', { timeout: 120_000 }, async () => {
  const persistDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presenza-picture-migration-'));
  try {
    // 1. Made by the current edge.
    let edge = await startEdge({ adminToken: ADMIN, persistDir });
    let site, owner, agent, conversation;
    const visitor = { 'X-Presenza-Visitor': 'pictureMigration000001.pictureMigrationSecret000000000000000000000' };
    try {
      ({ site_id: site, owner_key: owner } = await must('create site', call(edge.url, 'POST', '/v1/sites', { token: ADMIN })));
      await must('grace', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, { token: owner, body: { grace_period_secs: 3600 } }));
      agent = (await must('agent', call(edge.url, 'PUT', `/v1/sites/${site}/agents/giulia`, {
        token: owner, body: { name: 'Giulia', groups: [] },
      }))).token;
      await must('online', call(edge.url, 'PUT', `/v1/sites/${site}/agents/me/status`, { token: agent, body: { status: 'online' } }));
      conversation = (await must('visitor', call(edge.url, 'POST', `/v1/sites/${site}/visitor/messages`, {
        headers: visitor, body: { client_id: 'v_1', text: 'Hello?' },
      }))).conversation_id;
      await must('reply', call(edge.url, 'POST', `/v1/sites/${site}/conversations/${conversation}/messages`, {
        token: agent, body: { client_id: 'r_1', text: 'Hi!' },
      }));
    } finally {
      await edge.dispose();
    }

    // 2. As the edge before pictures left it.
    const old = await onStore(persistDir, site, 'downgrade');
    assert.ok(!old.tables.includes('agent_pictures'), JSON.stringify(old));
    assert.equal(Number(old.schema_version), 8);

    // 3. The current edge on it.
    edge = await startEdge({ adminToken: ADMIN, persistDir });
    try {
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
    } finally {
      await edge.dispose();
    }

    // 4. Written in storage: the table, the current schema.
    const now = await onStore(persistDir, site, 'inspect');
    assert.ok(now.tables.includes('agent_pictures'), JSON.stringify(now));
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
    assert.equal(now.agents, 1);
    assert.equal(now.pictures, 1);
  } finally {
    fs.rmSync(persistDir, { recursive: true, force: true });
  }
});
