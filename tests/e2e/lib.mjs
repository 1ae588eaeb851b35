// Shared helpers for the browser end-to-end tests (and the widget's paint
// bench): the edge's API over fetch (a site, its groups and agents, agent
// statuses), Debian's chromium through playwright-core, the widget's
// Shadow DOM, and polling.
//
// Env: PRESENZA_URL (the edge, e.g. http://127.0.0.1:8790) and
// PRESENZA_ADMIN_TOKEN (guards POST /v1/sites), both set by `cargo xtask test`.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = (process.env.PRESENZA_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
export const ADMIN = process.env.PRESENZA_ADMIN_TOKEN ?? 'devtoken';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where screenshots of failures go. */
export const ARTIFACTS = path.join(ROOT, 'target/e2e');

/** Debian's chromium, headless; never a downloaded browser. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** One API call; returns { status, body } whatever the status. */
export async function api(method, urlPath, token, body) {
  const res = await fetch(BASE + urlPath, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

async function ok(what, promise) {
  const r = await promise;
  if (r.status < 200 || r.status > 299) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * A fresh site with helpers bound to it:
 * `{ id, owner, group(id, name), agent(id, {name, groups}) -> { id, token, status(s, message, backAt) }, settings(patch) }`.
 */
export async function createSite() {
  const created = await ok('creating a site', api('POST', '/v1/sites', ADMIN, {}));
  const id = created.site_id;
  const owner = created.owner_key;
  const site = `/v1/sites/${encodeURIComponent(id)}`;
  return {
    id,
    owner,
    /** Creates or renames a group. */
    group: (gid, name = gid) => ok(`group ${gid}`, api('PUT', `${site}/groups/${gid}`, owner, { name })),
    /** Updates site settings (e.g. `{ widget: { accent_color } }`). */
    settings: (patch) => ok('settings', api('PUT', `${site}/settings`, owner, patch)),
    /** Creates an agent; its `status()` sets the agent's status with its own token. */
    async agent(aid, { name = aid, groups = [] } = {}) {
      const a = await ok(`agent ${aid}`, api('PUT', `${site}/agents/${aid}`, owner, { name, groups }));
      const token = a.token ?? a.agent?.token;
      return {
        id: aid,
        token,
        status: (status, message = null, backAt = null) =>
          ok(
            `status of ${aid}`,
            api('PUT', `${site}/agents/me/status`, token, { status, message, back_at: backAt }),
          ),
      };
    },
    /** What a visitor of `group` would be told right now. */
    status: (group) => ok('status', api('GET', `${site}/status${group ? `?group=${group}` : ''}`)),
  };
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `ms`. */
export async function waitFor(what, fn, ms = 5000, every = 25) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The widget's state as a test sees it (null before it is painted). */
export function widgetState(page) {
  return page.evaluate(() => {
    const host = document.querySelector('presenza-widget');
    const root = host && host.shadowRoot;
    const w = root && root.getElementById('w');
    if (!w) return null;
    const text = (id) => root.getElementById(id)?.textContent ?? null;
    const l = root.getElementById('l');
    const p = root.getElementById('p');
    return {
      class: w.className,
      status: (w.className.match(/s-(online|busy|offline)/) || [])[1],
      t1: text('t1'),
      t2: text('t2'),
      label: l.getAttribute('aria-label'),
      expanded: l.getAttribute('aria-expanded'),
      open: !!p && !p.hidden,
      title: text('h'),
      announced: text('r'),
      lang: w.getAttribute('lang'),
      active: root.activeElement ? root.activeElement.id : null,
    };
  });
}

/** Waits until the launcher shows `status` (and `t1` when given). */
export function waitForStatus(page, status, t1, ms = 5000) {
  return waitFor(
    `the launcher to show ${status}${t1 ? ` "${t1}"` : ''}`,
    async () => {
      const s = await widgetState(page);
      return s && s.status === status && (t1 === undefined || s.t1 === t1) ? s : false;
    },
    ms,
  );
}

/** Saves a screenshot of `page` into target/e2e/ (for failures). */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file }).catch(() => {});
  return file;
}

/** The demo page's URL for a site (and group). */
export function demoUrl(site, { group, lang, theme, page = '/' } = {}) {
  const q = new URLSearchParams({ site });
  if (group) q.set('group', group);
  if (lang) q.set('lang', lang);
  if (theme) q.set('theme', theme);
  return `${BASE}${page}?${q}`;
}
