// A site stored at schema 8 (before the working hours' versions, issue 15:
// no `hours_versions` table) keeps the hours it had as in force since ever
// (`MIGRATE_HOURS_VERSIONS`), so the insights of its past days are what
// they were; a change of hours after it leaves those days as they were.
// No browser: runtimes in turn on one persisted Durable Object store, in
// workerd via Miniflare (tests/bench/edge-miniflare.mjs), as across a
// deploy.
//
// 1. The current edge makes a site with working hours 10:00–11:00 UTC.
// 2. A small JS worker with the same Durable Object identity rewrites the
//    store into its shape at schema 8.
// 3. The current edge on it: yesterday's working hours are 10:00–11:00;
//    new hours (12:00–13:00) change nothing of yesterday.
// 4. The store itself now has the versions (since 0, and the new one) and
//    schema 12.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, createSite, must, onNewStore, SCHEMA_VERSION, storeWorker } from './store-lib.mjs';

const DAY = 86_400_000;

const BEFORE_VERSIONS = [
  'DROP TABLE hours_versions',
  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
];

const STORE_WORKER = storeWorker(BEFORE_VERSIONS, {
  versions: 'tables.includes("hours_versions") ? rows("SELECT scope, at, spec IS NOT NULL AS has_spec FROM hours_versions ORDER BY scope, at") : null',
});

const everyDay = (from, to) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [[from, to]]]));

/** The site's working-hours spans in `GET insights` of [from, to), as [from, to] ms pairs. */
async function hoursOf(edge, site, owner, from, to) {
  const insights = await must('insights', call(edge.url, 'GET', `/v1/sites/${site}/insights?from=${from}&to=${to}`, { token: owner }));
  const audience = insights.audiences.find((a) => a.group === null);
  return audience.working_hours.map((s) => [Date.parse(s.from), Date.parse(s.to)]);
}

test('a site stored before the hours\' versions keeps its hours for its past days', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER }, async ({ withEdge, onStore }) => {
    const yesterday = (Math.floor(Date.now() / DAY) - 1) * DAY;
    const oldHours = [[yesterday + 10 * 3_600_000, yesterday + 11 * 3_600_000]];
    // 1. Made by the current edge, with working hours.
    const { site, owner } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      await must('hours', call(edge.url, 'PUT', `/v1/sites/${site}/working-hours`, {
        token: owner, body: { timezone: 'UTC', mode: 'gate', weekly: everyDay('10:00', '11:00') },
      }));
      return { site, owner };
    });

    // 2. As an edge at schema 8 left it.
    const old = await onStore(site, 'downgrade');
    assert.ok(!old.tables.includes('hours_versions'), JSON.stringify(old));
    assert.ok(old.tables.includes('schedules'), JSON.stringify(old));
    assert.equal(Number(old.schema_version), 8);

    // 3. The current edge on it.
    await withEdge(async (edge) => {
      assert.deepEqual(await hoursOf(edge, site, owner, yesterday, yesterday + DAY), oldHours,
        'yesterday had the hours stored then');
      await must('new hours', call(edge.url, 'PUT', `/v1/sites/${site}/working-hours`, {
        token: owner, body: { timezone: 'UTC', mode: 'gate', weekly: everyDay('12:00', '13:00') },
      }));
      assert.deepEqual(await hoursOf(edge, site, owner, yesterday, yesterday + DAY), oldHours,
        'new hours leave yesterday as it was');
    });

    // 4. Written in storage: the versions and the current schema.
    const now = await onStore(site, 'inspect');
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
    assert.equal(now.versions.length, 2, JSON.stringify(now.versions));
    assert.deepEqual(now.versions.map((v) => [v.scope, v.has_spec]), [['site', 1], ['site', 1]]);
    assert.equal(now.versions[0].at, 0, 'the hours of then, in force since ever');
    assert.ok(now.versions[1].at > yesterday, JSON.stringify(now.versions));
  }));
