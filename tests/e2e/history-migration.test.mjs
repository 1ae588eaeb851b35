// A site stored at schema 6 (before the status history, issue 15: no
// `status_history` table, no `conversations_by_start` index) gets both
// from the current edge (schema 7, `MIGRATE_HISTORY`), keeps everything
// else, and its history begins with its next change of status. No browser:
// runtimes in turn on one persisted Durable Object store, in workerd via
// Miniflare (tests/bench/edge-miniflare.mjs), as across a deploy.
//
// 1. The current edge makes a site with an agent online (a history).
// 2. A small JS worker with the same Durable Object identity rewrites the
//    store into its shape at schema 6.
// 3. The current edge on it: the history answers (empty: nothing recorded
//    before), the agent is still online, and the next change is recorded.
// 4. The store itself now has the table, the index and schema 7.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEdge } from '../bench/edge-miniflare.mjs';
import { call, must, onStore as onStoreWith } from './store-lib.mjs';

const ADMIN = 'history-migration-admin-token';

// The schema before issue 15 (schema 6: no status history, no webhooks).
const BEFORE_HISTORY = [
  'DROP TABLE status_history',
  'DROP INDEX conversations_by_start',
  'DROP TABLE webhook_queue',
  'DROP TABLE webhook_results',
  "UPDATE meta SET value = '6' WHERE key = 'schema_version'",
];
// The schema the current edge writes (edge/src/store/schema.rs).
const SCHEMA_VERSION = 11;

/** The edge's object on its store: `/v1/<site>/downgrade` or `/v1/<site>/inspect`. */
const STORE_WORKER = `
import { DurableObject } from "cloudflare:workers";
const STATEMENTS = ${JSON.stringify(BEFORE_HISTORY)};
export class SiteObject extends DurableObject {
  async fetch(req) {
    const sql = this.ctx.storage.sql;
    if (new URL(req.url).pathname.endsWith("/downgrade")) {
      this.ctx.storage.transactionSync(() => { for (const s of STATEMENTS) sql.exec(s); });
    }
    const names = (type) => sql.exec("SELECT name FROM sqlite_master WHERE type = ? ORDER BY name", type).toArray().map((r) => r.name);
    return Response.json({
      tables: names("table"),
      indexes: names("index"),
      schema_version: sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").one().value,
      agents: sql.exec("SELECT COUNT(*) AS n FROM agents").one().n,
    });
  }
}
`;

const onStore = (persistDir, site, what) => onStoreWith(persistDir, site, what, STORE_WORKER);

test('a site stored before the status history gets it, and its history begins with its next change', { timeout: 120_000 }, async () => {
  const persistDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presenza-history-migration-'));
  try {
    // 1. Made by the current edge: an agent online, recorded.
    let edge = await startEdge({ adminToken: ADMIN, persistDir });
    let site, owner, agent;
    try {
      ({ site_id: site, owner_key: owner } = await must('create site', call(edge.url, 'POST', '/v1/sites', { token: ADMIN })));
      await must('grace', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, { token: owner, body: { grace_period_secs: 3600 } }));
      agent = (await must('agent', call(edge.url, 'PUT', `/v1/sites/${site}/agents/giulia`, {
        token: owner, body: { name: 'Giulia', groups: [] },
      }))).token;
      await must('online', call(edge.url, 'PUT', `/v1/sites/${site}/agents/me/status`, { token: agent, body: { status: 'online' } }));
      const history = await must('history', call(edge.url, 'GET', `/v1/sites/${site}/history`, { token: owner }));
      assert.equal(history.audiences[0].changes.at(-1).status, 'online');
    } finally {
      await edge.dispose();
    }

    // 2. As the edge before issue 15 left it.
    const old = await onStore(persistDir, site, 'downgrade');
    assert.ok(!old.tables.includes('status_history'), JSON.stringify(old));
    assert.ok(!old.indexes.includes('conversations_by_start'), JSON.stringify(old));
    const oldVersion = Number(old.schema_version);
    assert.equal(oldVersion, 6);

    // 3. The current edge on it.
    edge = await startEdge({ adminToken: ADMIN, persistDir });
    try {
      const status = await must('status', call(edge.url, 'GET', `/v1/sites/${site}/status`));
      assert.equal(status.status, 'online', 'nothing else was lost');
      const before = await must('history', call(edge.url, 'GET', `/v1/sites/${site}/history`, { token: owner }));
      assert.deepEqual(before.audiences.map((a) => [a.group, a.in_force, a.changes]), [[null, null, []]],
        'nothing was recorded before');
      const insights = await must('insights', call(edge.url, 'GET', `/v1/sites/${site}/insights`, { token: owner }));
      assert.equal(insights.audiences[0].coverage.ratio, null, 'no known status yet');
      await must('busy', call(edge.url, 'PUT', `/v1/sites/${site}/agents/me/status`, { token: agent, body: { status: 'busy' } }));
      const after = await must('history', call(edge.url, 'GET', `/v1/sites/${site}/history`, { token: owner }));
      const changes = after.audiences[0].changes;
      assert.deepEqual(changes.map((c) => [c.status, c.reason, c.cause, c.agent]), [['busy', 'all_busy', 'manual', 'giulia']]);
    } finally {
      await edge.dispose();
    }

    // 4. Written in storage: the tables, the index, the current schema.
    const now = await onStore(persistDir, site, 'inspect');
    assert.ok(now.tables.includes('status_history'), JSON.stringify(now));
    assert.ok(now.tables.includes('webhook_queue') && now.tables.includes('webhook_results'), JSON.stringify(now));
    assert.ok(now.indexes.includes('conversations_by_start'), JSON.stringify(now));
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
    assert.equal(now.agents, 1);
  } finally {
    fs.rmSync(persistDir, { recursive: true, force: true });
  }
});
