// A site stored at schema 8 (before alerts, issue 15: no `alert_episodes`,
// no `mail_queue.note`, no alert settings) gets them from the current edge
// (schema 9, `MIGRATE_ALERTS`), keeps what its mail queue held, has the
// default alert settings, is checked for alerts at once, and an alert
// opens. No browser: runtimes in turn on one persisted Durable Object
// store, in workerd via Miniflare (tests/bench/edge-miniflare.mjs), as
// across a deploy; a threshold's minute lasts 100 ms
// (`TEST_FAULTS=alert_minute_ms=100`).
//
// 1. The current edge makes a site whose working hours are always open,
//    with nobody online and alerts off.
// 2. A small JS worker with the same Durable Object identity rewrites the
//    store into its shape at schema 8, with an e-mail queued.
// 3. The current edge on it: the default alert settings; offline alerts
//    after one (short) minute.
// 4. The store itself: the table, the column, the queued e-mail kept, the
//    episode open, schema 9.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, createSite, must, onNewStore, SCHEMA_VERSION, storeWorker } from './store-lib.mjs';

const VARS = { TEST_FAULTS: 'alert_minute_ms=100' };

// The schema before alerts (schema 8), with an e-mail waiting far ahead.
const BEFORE_ALERTS = [
  'DROP TABLE alert_episodes',
  'ALTER TABLE mail_queue DROP COLUMN note',
  "DELETE FROM meta WHERE key IN ('alerts', 'alert_check_ms')",
  "INSERT INTO mail_queue (kind, conversation_id, due_at, after_seq) VALUES ('transcript', 'c_kept', 9000000000000000, 0)",
  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
];

const STORE_WORKER = storeWorker(BEFORE_ALERTS, {
  mail_columns: 'columns("mail_queue")',
  mail_kept: `count("mail_queue WHERE conversation_id = 'c_kept'")`,
  episodes: 'tables.includes("alert_episodes") ? rows("SELECT subject FROM alert_episodes ORDER BY subject").map((r) => r.subject) : null',
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('a site stored before alerts gets them: its queued e-mail kept, the defaults, an alert when due', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER, vars: VARS }, async ({ withEdge, onStore }) => {
    // 1. Made by the current edge: always open, nobody online, alerts off.
    const { site, owner } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      const day = [['00:00', '24:00']];
      await must('hours', call(edge.url, 'PUT', `/v1/sites/${site}/working-hours`, {
        token: owner,
        body: { timezone: 'UTC', mode: 'gate', weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day } },
      }));
      await must('alerts off', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, {
        token: owner, body: { alerts: { offline_minutes: null, wait_minutes: null } },
      }));
      return { site, owner };
    });

    // 2. As the edge before alerts left it.
    const old = await onStore(site, 'downgrade');
    assert.ok(!old.tables.includes('alert_episodes'), JSON.stringify(old));
    assert.ok(!old.mail_columns.includes('note'), JSON.stringify(old));
    assert.equal(Number(old.schema_version), 8);

    // 3. The current edge on it: the defaults; then offline alerts on.
    await withEdge(async (edge) => {
      const settings = await must('settings', call(edge.url, 'GET', `/v1/sites/${site}/settings`, { token: owner }));
      assert.deepEqual(settings.alerts, { offline_minutes: 10, wait_minutes: 5, address: null });
      await must('offline alerts', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, {
        token: owner, body: { alerts: { offline_minutes: 1 } },
      }));
      // The alarm checks at once; the site has been offline for longer
      // than 100 ms inside its hours.
      await sleep(2_000);
    });

    // 4. Written in storage.
    const now = await onStore(site, 'inspect');
    assert.ok(now.tables.includes('alert_episodes'), JSON.stringify(now));
    assert.ok(now.mail_columns.includes('note'), JSON.stringify(now));
    assert.equal(now.mail_kept, 1, 'the queued e-mail is kept');
    assert.deepEqual(now.episodes, ['site'], 'the site\'s offline alert is open');
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
  }));
