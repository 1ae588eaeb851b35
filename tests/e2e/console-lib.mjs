// Helpers for the console's browser end-to-end tests: the edge's API over
// fetch, Debian's chromium through playwright-core, and polling.
//
// Env: PRESENZA_URL (the edge, e.g. http://127.0.0.1:8791) and
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

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

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
export async function api(method, urlPath, token, body, headers = {}) {
  const res = await fetch(BASE + urlPath, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
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

/** A fresh site: { site, owner }. */
export async function createSite() {
  const r = await api('POST', '/v1/sites', ADMIN, {});
  if (r.status !== 201) throw new Error(`creating a site: ${r.status} ${JSON.stringify(r.body)}`);
  return { site: r.body.site_id, owner: r.body.owner_key };
}

/** Creates an agent and returns its token. */
export async function createAgent(site, owner, id, name, groups = []) {
  const r = await api('PUT', `/v1/sites/${site}/agents/${id}`, owner, { name, groups });
  if (r.status !== 201 || !r.body?.token) throw new Error(`creating agent ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

/** What visitors of the site (or a group) are told right now. */
export async function visitorStatus(site, group) {
  const q = group ? `?group=${group}` : '';
  const r = await api('GET', `/v1/sites/${site}/status${q}`);
  return r.body;
}

/** Polls `fn` until it returns a truthy value; throws with the last value. */
export async function eventually(fn, { timeout = 10_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Opens the console for `site` in a new page of `context` and signs in. */
export async function signIn(context, site, token) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${BASE}/console/?site=${site}`);
  await page.fill('#token', token);
  await page.click('form[data-action=signin] button[type=submit]');
  return page;
}

/** Saves a screenshot of each page under target/e2e/ (for failures). */
export async function snapshot(name, pages) {
  await mkdir(ARTIFACTS, { recursive: true });
  await Promise.all(
    pages.map((p, i) =>
      p.screenshot({ path: path.join(ARTIFACTS, `${name}-${i}.png`), fullPage: true }).catch(() => {}),
    ),
  );
}
