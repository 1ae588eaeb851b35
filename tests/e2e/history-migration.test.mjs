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
import { agentOnline, call, createSite, must, onNewStore, SCHEMA_VERSION, storeWorker } from './store-lib.mjs';

// The schema before issue 15 (schema 6: no status history, no webhooks, no
// alerts, no hours' versions).
const BEFORE_HISTORY = [
  'DROP TABLE status_history',
  'DROP INDEX conversations_by_start',
  'DROP TABLE webhook_queue',
  'DROP TABLE webhook_results',
  'DROP TABLE alert_episodes',
  'ALTER TABLE mail_queue DROP COLUMN note',
  'DROP TABLE hours_versions',
  "UPDATE meta SET value = '6' WHERE key = 'schema_version'",
];

const STORE_WORKER = storeWorker(BEFORE_HISTORY, { agents: 'count("agents")' });

test('a site stored before the status history gets it, and its history begins with its next change', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER }, async ({ withEdge, onStore }) => {
    // 1. Made by the current edge: an agent online, recorded.
    const { site, owner, agent } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      const agent = await agentOnline(edge, site, owner);
      const history = await must('history', call(edge.url, 'GET', `/v1/sites/${site}/history`, { token: owner }));
      assert.equal(history.audiences[0].changes.at(-1).status, 'online');
      return { site, owner, agent };
    });

    // 2. As the edge before issue 15 left it.
    const old = await onStore(site, 'downgrade');
    assert.ok(!old.tables.includes('status_history'), JSON.stringify(old));
    assert.ok(!old.indexes.includes('conversations_by_start'), JSON.stringify(old));
    const oldVersion = Number(old.schema_version);
    assert.equal(oldVersion, 6);

    // 3. The current edge on it.
    await withEdge(async (edge) => {
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
    });

    // 4. Written in storage: the tables, the index, the current schema.
    const now = await onStore(site, 'inspect');
    assert.ok(now.tables.includes('status_history'), JSON.stringify(now));
    assert.ok(now.tables.includes('webhook_queue') && now.tables.includes('webhook_results'), JSON.stringify(now));
    assert.ok(now.indexes.includes('conversations_by_start'), JSON.stringify(now));
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
    assert.equal(now.agents, 1);
  }));
