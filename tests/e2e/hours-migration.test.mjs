// A site stored before working hours had a mode (the schema before: no
// `working_hours_mode` in meta, no `schedules.mode`, no `agents.set_by`)
// reads back as a gate under the current edge, written so in its storage,
// and keeps behaving as one: an agent online by hand outside its hours
// leaves the chat offline. No browser: runtimes in turn on one persisted
// Durable Object store, in workerd via Miniflare
// (tests/bench/edge-miniflare.mjs), as across a deploy.
//
// 1. The current edge makes a site (a new one: switch) with hours, a group
//    with hours of its own and an agent.
// 2. A small JS worker with the same Durable Object identity rewrites the
//    store into its shape before (as the edge before issue 17 left it; its
//    schema version one lower).
// 3. The current edge on it: gate everywhere, and gate behaviour.
// 4. The store itself now says gate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, createSite, must, onNewStore, storeWorker } from './store-lib.mjs';

// The schema before issue 17.
const BEFORE_MODES = [
  "DELETE FROM meta WHERE key IN ('working_hours_mode', 'hours_since_ms')",
  'ALTER TABLE schedules DROP COLUMN mode',
  'ALTER TABLE agents DROP COLUMN set_by',
  "UPDATE meta SET value = CAST(value AS INTEGER) - 1 WHERE key = 'schema_version'",
];

// The modes and set_by read after the migration only: before it, their
// columns are gone.
const STORE_WORKER = storeWorker(BEFORE_MODES, {
  schedules: 'tableSql("schedules")',
  agents: 'tableSql("agents")',
  meta: 'Object.fromEntries(rows("SELECT key, value FROM meta").map((r) => [r.key, r.value]))',
  modes: 'downgrade ? null : rows("SELECT scope, mode FROM schedules ORDER BY scope")',
  set_by: 'downgrade ? null : rows("SELECT id, set_by FROM agents ORDER BY id")',
});

test('a site stored before working hours had a mode reads back as a gate', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER }, async ({ withEdge, onStore }) => {
    const closed = { timezone: 'Europe/Rome', weekly: {} };
    // 1. Made by the current edge (a new site switches).
    const { site, owner, agent } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      const settings = await must('settings', call(edge.url, 'GET', `/v1/sites/${site}/settings`, { token: owner }));
      assert.equal(settings.working_hours_mode, 'switch');
      await must('hours', call(edge.url, 'PUT', `/v1/sites/${site}/working-hours`, { token: owner, body: closed }));
      await must('group', call(edge.url, 'PUT', `/v1/sites/${site}/groups/sales`, { token: owner, body: { name: 'Sales' } }));
      await must('group hours', call(edge.url, 'PUT', `/v1/sites/${site}/groups/sales/working-hours`, {
        token: owner, body: { ...closed, mode: 'switch' },
      }));
      const agent = (await must('agent', call(edge.url, 'PUT', `/v1/sites/${site}/agents/giulia`, {
        token: owner, body: { name: 'Giulia', groups: [] },
      }))).token;
      return { site, owner, agent };
    });

    // 2. As the edge before issue 17 left it.
    const old = await onStore(site, 'downgrade');
    assert.doesNotMatch(old.schedules, /\bmode\b/);
    assert.doesNotMatch(old.agents, /\bset_by\b/);
    assert.equal(old.meta.working_hours_mode, undefined);
    const oldVersion = Number(old.meta.schema_version);

    // 3. The current edge on it: a gate, everywhere.
    await withEdge(async (edge) => {
      const settings = await must('settings', call(edge.url, 'GET', `/v1/sites/${site}/settings`, { token: owner }));
      assert.equal(settings.working_hours_mode, 'gate');
      const hours = await must('hours', call(edge.url, 'GET', `/v1/sites/${site}/working-hours`, { token: owner }));
      assert.equal(hours.mode, 'gate');
      const sales = await must('sales hours', call(edge.url, 'GET', `/v1/sites/${site}/groups/sales/working-hours`, { token: owner }));
      assert.equal(sales.mode, 'gate');
      // Online by hand outside hours: a gate keeps the chat offline.
      const set = await must('online', call(edge.url, 'PUT', `/v1/sites/${site}/agents/me/status`, {
        token: agent, body: { status: 'online' },
      }));
      assert.equal(set.agent.set_by, 'manual');
      assert.equal(set.agent.next_switch, null);
      const status = await must('status', call(edge.url, 'GET', `/v1/sites/${site}/status`));
      assert.deepEqual([status.status, status.reason], ['offline', 'outside_hours']);
    });

    // 4. Written in storage, not guessed on each read.
    const now = await onStore(site, 'inspect');
    assert.equal(now.meta.working_hours_mode, 'gate');
    assert.equal(Number(now.meta.schema_version), oldVersion + 1);
    assert.deepEqual(now.modes, [{ scope: 'g:sales', mode: 'gate' }, { scope: 'site', mode: null }]);
    assert.deepEqual(now.set_by, [{ id: 'giulia', set_by: 'manual' }]);
  }));
