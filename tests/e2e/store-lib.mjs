// The migration tests' scaffolding: the current edge in workerd via Miniflare
// (tests/bench/edge-miniflare.mjs) started in turn on one persisted Durable
// Object store, as across a deploy, and access to the edge's own storage in
// between: a small JS worker whose Durable Object has the edge's identity
// (class `SiteObject`, named by site, SQLite-backed), run by Miniflare on the
// persisted store the edge left, as a deploy of an older or newer version
// would be. The test gives the statements that rewrite the store into its
// older shape and what to read of it (`storeWorker`); the object class and
// the routing are the same for every test.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { start, startEdge } from '../bench/edge-miniflare.mjs';
import { apiAt } from './lib.mjs';

/** The schema the current edge writes, read from its one place (edge/src/store/schema.rs). */
export const SCHEMA_VERSION = Number(
  /pub const SCHEMA_VERSION: i64 = (\d+);/.exec(
    fs.readFileSync(new URL('../../edge/src/store/schema.rs', import.meta.url), 'utf8'),
  )?.[1],
);
assert.ok(SCHEMA_VERSION > 0, 'SCHEMA_VERSION found in edge/src/store/schema.rs');

/** The admin token of every edge started by `onNewStore`. */
const ADMIN = 'migration-admin-token';

/** An API call to `base`, answered as `{status, body, ...}`. */
export const call = (base, method, urlPath, { token, body, headers } = {}) =>
  apiAt(base, method, urlPath, token, body, headers);

/** The body of a 2xx answer; fails the test with `what` otherwise. */
export async function must(what, promise) {
  const r = await promise;
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * The JS source of the edge's object on its store, for `onStore`. At
 * `/v1/<site>/downgrade` it first runs `statements` in one transaction (the
 * store as an older edge left it); at `/v1/<site>/inspect` it only reads.
 * Either way it answers `{tables, indexes, schema_version, ...fields}`: the
 * names of the tables and of the indexes (sorted), the schema version in
 * meta (a string), and each of `fields`, a JS expression read in the object
 * (after the statements), where `sql` is the store's SQL, `downgrade` whether
 * the statements ran, and `tables`, `indexes`, `columns(table)` (its column
 * names), `tableSql(table)` (its `CREATE TABLE`), `rows(query)` and
 * `count(from)` (`SELECT COUNT(*) FROM` it) read the store.
 */
export function storeWorker(statements, fields = {}) {
  const read = Object.entries(fields).map(([name, expr]) => `\n      ${name}: ${expr},`).join('');
  return `
import { DurableObject } from "cloudflare:workers";
const STATEMENTS = ${JSON.stringify(statements)};
export class SiteObject extends DurableObject {
  async fetch(req) {
    const sql = this.ctx.storage.sql;
    const downgrade = new URL(req.url).pathname.endsWith("/downgrade");
    if (downgrade) {
      this.ctx.storage.transactionSync(() => { for (const s of STATEMENTS) sql.exec(s); });
    }
    const rows = (query) => sql.exec(query).toArray();
    const count = (from) => sql.exec("SELECT COUNT(*) AS n FROM " + from).one().n;
    const names = (type) => sql.exec("SELECT name FROM sqlite_master WHERE type = ? ORDER BY name", type).toArray().map((r) => r.name);
    const columns = (table) => sql.exec("SELECT name FROM pragma_table_info(?)", table).toArray().map((r) => r.name);
    const tableSql = (table) => sql.exec("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).one().sql;
    const tables = names("table");
    const indexes = names("index");
    return Response.json({
      tables,
      indexes,
      schema_version: sql.exec("SELECT value FROM meta WHERE key = 'schema_version'").one().value,${read}
    });
  }
}
`;
}

/**
 * Runs `POST /v1/<site>/<what>` on the site's stored object, whose class is
 * `siteObject` (JS source of `export class SiteObject ...`, with its own
 * imports, as made by `storeWorker`), and returns what it answered.
 */
export async function onStore(persistDir, site, what, siteObject) {
  const contents = `${siteObject}
export default {
  fetch(req, env) {
    const site = new URL(req.url).pathname.split("/")[2];
    return env.SITES.get(env.SITES.idFromName(site)).fetch(req);
  },
};
`;
  const worker = await start(
    {
      name: 'presenza',
      modules: [{ type: 'ESModule', path: 'store.mjs', contents }],
      durableObjects: { SITES: { className: 'SiteObject', useSQLite: true } },
    },
    { persistDir },
  );
  try {
    return await must(what, call(worker.url, 'POST', `/v1/${site}/${what}`));
  } finally {
    await worker.dispose();
  }
}

/**
 * Runs `steps` on a new persisted store, removed after them. `steps` gets
 * `withEdge(run)`, which starts the current edge on the store (with `vars`
 * over wrangler.toml's), runs `run(edge)` and stops the edge, answering what
 * `run` answered; and `onStore(site, what)`, which runs `worker` (see
 * `storeWorker`) on the store.
 */
export async function onNewStore({ worker, vars }, steps) {
  const persistDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presenza-migration-'));
  try {
    return await steps({
      async withEdge(run) {
        const edge = await startEdge({ adminToken: ADMIN, persistDir, vars });
        try {
          return await run(edge);
        } finally {
          await edge.dispose();
        }
      },
      onStore: (site, what) => onStore(persistDir, site, what, worker),
    });
  } finally {
    fs.rmSync(persistDir, { recursive: true, force: true });
  }
}

/** A new site on `edge` (started by `onNewStore`): `{site, owner}` (its owner key). */
export async function createSite(edge) {
  const created = await must('create site', call(edge.url, 'POST', '/v1/sites', { token: ADMIN }));
  return { site: created.site_id, owner: created.owner_key };
}

/**
 * Giulia, a new agent of `site` in no group, set online by hand, the site's
 * grace period an hour (she stays online through the test with no device
 * pinging): her token.
 */
export async function agentOnline(edge, site, owner) {
  await must('grace', call(edge.url, 'PUT', `/v1/sites/${site}/settings`, { token: owner, body: { grace_period_secs: 3600 } }));
  const { token } = await must('agent', call(edge.url, 'PUT', `/v1/sites/${site}/agents/giulia`, {
    token: owner, body: { name: 'Giulia', groups: [] },
  }));
  await must('online', call(edge.url, 'PUT', `/v1/sites/${site}/agents/me/status`, { token, body: { status: 'online' } }));
  return token;
}
