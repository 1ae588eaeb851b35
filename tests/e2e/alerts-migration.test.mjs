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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEdge } from '../bench/edge-miniflare.mjs';
import { call, must, onStore as onStoreWith, SCHEMA_VERSION } from './store-lib.mjs';

const ADMIN = 'alerts-migration-admin-token';
const VARS = { TEST_FAULTS: 'alert_minute_ms=100' };

// The schema before alerts (schema 8), with an e-mail waiting far ahead.
const BEFORE_ALERTS = [
  'DROP TABLE alert_episodes',
  'ALTER TABLE mail_queue DROP COLUMN note',
  "DELETE FROM meta WHERE key IN ('alerts', 'alert_check_ms')",
  "INSERT INTO mail_queue (kind, conversation_id, due_at, after_seq) VALUES ('transcript', 'c_kept', 9000000000000000, 0)",
  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
];

/** The edge's object on its store: `/v1/<site>/downgrade` or `/v1/<site>/inspect`. */
const STORE_WORKER = `
import { DurableObject } from "cloudflare:workers";
const STATEMENTS = ${JSON.stringify(BEFORE_ALERTS)};
export class SiteObject extends DurableObject {
  async fetch(req) {
    const sql = this.ctx.storage.sql;
    if (new URL(req.url).pathname.endsWith("/downgrade")) {
      this.ctx.storage.transactionSync(() => { for (const s of STATEMENTS) sql.exec(s); });
    }
    const names = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").toArray().map((r) => r.name);
    const episodes = names.includes("alert_episodes")
      ? sql.exec("SELECT subject FROM alert_episodes ORDER BY subject").toArray().map((r) => r.subject)
      : null;
    return Response.json({
      tables: names,
      mail_columns: sql.exec("PRAGMA table_info(mail_queue)").toArray().map((r) => r.name),
      mail_kept: sql.exec("SELECT COUNT(*) AS n FROM mail_queue WHERE conversation_id = 'c_kept'").one().n,
      episodes,
      schema_version: sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").one().value,
    });
  }
}
`;

const onStore = (persistDir, site, what) => onStoreWith(persistDir, site, what, STORE_WORKER);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('a site stored before alerts gets them: its queued e-mail kept, the defaults, an alert when due', { timeout: 120_000 }, async () => {
  const persistDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presenza-alerts-migration-'));
  try {
    // 1. Made by the current edge: always open, nobody online, alerts off.
    let edge = await startEdge({ adminToken: ADMIN, persistDir, vars: VARS });
    let site, owner;
    try {
      ({ site_id: site, owner_key: owner } = await must('create site', call(edge.url, 'POST', '/v1/sites', { token: ADMIN })));
      const day = [['00:00', '24:00']];
      await must('hours', call(edge.url, 'PUT', `/v1/sites/${site}/working-hours`, {
        token: owner,
        body: { timezone: 'UTC', mode: 'gate', weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day } },
      }));
      await must('alerts off', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, {
        token: owner, body: { alerts: { offline_minutes: null, wait_minutes: null } },
      }));
    } finally {
      await edge.dispose();
    }

    // 2. As the edge before alerts left it.
    const old = await onStore(persistDir, site, 'downgrade');
    assert.ok(!old.tables.includes('alert_episodes'), JSON.stringify(old));
    assert.ok(!old.mail_columns.includes('note'), JSON.stringify(old));
    assert.equal(Number(old.schema_version), 8);

    // 3. The current edge on it: the defaults; then offline alerts on.
    edge = await startEdge({ adminToken: ADMIN, persistDir, vars: VARS });
    try {
      const settings = await must('settings', call(edge.url, 'GET', `/v1/sites/${site}/settings`, { token: owner }));
      assert.deepEqual(settings.alerts, { offline_minutes: 10, wait_minutes: 5, address: null });
      await must('offline alerts', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, {
        token: owner, body: { alerts: { offline_minutes: 1 } },
      }));
      // The alarm checks at once; the site has been offline for longer
      // than 100 ms inside its hours.
      await sleep(2_000);
    } finally {
      await edge.dispose();
    }

    // 4. Written in storage.
    const now = await onStore(persistDir, site, 'inspect');
    assert.ok(now.tables.includes('alert_episodes'), JSON.stringify(now));
    assert.ok(now.mail_columns.includes('note'), JSON.stringify(now));
    assert.equal(now.mail_kept, 1, 'the queued e-mail is kept');
    assert.deepEqual(now.episodes, ['site'], 'the site\'s offline alert is open');
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
  } finally {
    fs.rmSync(persistDir, { recursive: true, force: true });
  }
});
