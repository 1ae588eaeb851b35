// Helpers for the console's browser end-to-end tests, on top of the shared
// ones in lib.mjs (the edge's API, Debian's chromium, polling, screenshots):
// desktop and phone contexts, signing in to the console, an agent's token,
// a visitor writing through the HTTP visitor API, scenarios that keep
// screenshots of failures.
//
// Env: PRESENZA_URL and PRESENZA_ADMIN_TOKEN, set by `cargo xtask test`.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { ADMIN, BASE, api, createSite as createSharedSite, screenshot, sharedBrowser, waitFor } from './lib.mjs';

export { ADMIN, BASE, api, sharedBrowser, waitFor };

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A fresh site: `{ site, owner, agent(id, name, groups) -> token, group(id, name), status(group) }`. */
export async function createSite() {
  const s = await createSharedSite();
  return {
    site: s.id,
    owner: s.owner,
    agent: async (id, name, groups = []) => {
      const a = await s.agent(id, { name, groups });
      if (!a.token) throw new Error(`agent ${id} was created without a token`);
      return a.token;
    },
    /** Creates or renames a group. */
    group: (id, name) => s.group(id, name),
    /** Updates the site's settings. */
    settings: (patch) => s.settings(patch),
    /** What visitors of the site (or `group`) are told right now. */
    status: (group) => s.status(group),
  };
}

/**
 * A visitor of `site` as the widget makes one (22-character id, 43-character
 * secret, base64url), writing through the HTTP visitor API:
 * `{ id, say(text, {group, name, email}) -> {conversation_id, message}, messages(after) }`.
 */
export function visitor(site) {
  const id = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const url = `${BASE}/v1/sites/${encodeURIComponent(site)}/visitor/messages`;
  const headers = { 'X-Presenza-Visitor': `${id}.${secret}` };
  let sent = 0;
  return {
    id,
    /** The placeholder the console shows for a visitor without a name. */
    placeholder: `Visitor ${id.slice(0, 4)}`,
    async say(text, extra = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_id: `v_${++sent}`, text, ...extra }),
      });
      const body = await res.json().catch(() => null);
      if (res.status !== 201) throw new Error(`visitor message: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    async messages(after = 0) {
      const res = await fetch(`${url}?after=${after}`, { headers });
      if (res.status !== 200) throw new Error(`visitor messages: ${res.status}`);
      return (await res.json()).messages;
    },
  };
}

/**
 * Runs `body({ pages, open })` with fresh browser contexts (`open(options)`);
 * screenshots every page pushed to `pages` when it fails.
 */
export async function scenario(browser, name, body) {
  const pages = [];
  const contexts = [];
  const open = async (options) => {
    const ctx = await browser.newContext(options);
    contexts.push(ctx);
    return ctx;
  };
  try {
    await body({ pages, open });
  } catch (e) {
    await snapshot(`console-${name}`, pages);
    throw e;
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  }
}

/**
 * Opens the console for `site` in a new page of `context` and signs in; a
 * browser (context) already signed in as an agent signs itself in, with
 * its device credential, and is left to do so.
 */
export async function signIn(context, site, token) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${BASE}/console/?site=${site}`);
  const first = await page.waitForSelector('#token:not([disabled]), .agent-shell, .owner-shell');
  if ((await first.getAttribute('id')) === 'token') {
    await page.fill('#token', token);
    await page.click('form[data-action=signin] button[type=submit]');
  }
  return page;
}

/** README's embed snippet (its "Embedding the widget" html block). */
export async function readmeSnippet() {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('## Embedding the widget')[1];
  return section.split('```html\n')[1].split('\n```')[0];
}

/**
 * A shop on another origin than the edge's (a port of its own on this
 * machine: Chromium lets only loopback pages reach a loopback edge) that
 * embeds README's snippet for the site named by `?site=`. `html(snippet,
 * url, site)` writes each page around the snippet (site filled in).
 * Answers `{ origin, close() }`.
 */
export async function startShop(html) {
  const snippet = (await readmeSnippet()).replaceAll('https://EDGE', BASE);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://shop');
    const site = (url.searchParams.get('site') ?? '').replace(/[^a-z0-9_]/g, '');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html(snippet.replaceAll('SITE_ID', site), url, site));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Runs axe-core on `page`: the WCAG 2.2 A and AA violations. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: new URL('../../node_modules/axe-core/axe.min.js', import.meta.url).pathname });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
}

/** Screenshots of each page into target/e2e/ (for failures). */
export async function snapshot(name, pages) {
  await Promise.all(pages.map((p, i) => screenshot(p, `${name}-${i}`)));
}
