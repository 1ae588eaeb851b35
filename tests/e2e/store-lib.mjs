// The migration tests' access to the edge's own storage: a small JS worker
// whose Durable Object has the edge's identity (class `SiteObject`, named by
// site, SQLite-backed), run by Miniflare on the persisted store the edge
// left, as a deploy of an older or newer version would be. The test gives
// the object class (its `fetch` rewrites or reads the store); the routing is
// the edge's.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { start } from '../bench/edge-miniflare.mjs';
import { apiAt } from './lib.mjs';

/** The schema the current edge writes, read from its one place (edge/src/store/schema.rs). */
export const SCHEMA_VERSION = Number(
  /pub const SCHEMA_VERSION: i64 = (\d+);/.exec(
    fs.readFileSync(new URL('../../edge/src/store/schema.rs', import.meta.url), 'utf8'),
  )?.[1],
);
assert.ok(SCHEMA_VERSION > 0, 'SCHEMA_VERSION found in edge/src/store/schema.rs');

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
 * Runs `POST /v1/<site>/<what>` on the site's stored object, whose class is
 * `siteObject` (JS source of `export class SiteObject ...`, with its own
 * imports), and returns what it answered.
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
