// Helpers for the console's browser end-to-end tests, on top of the shared
// ones in lib.mjs (the edge's API, Debian's chromium, polling, screenshots):
// desktop and phone contexts, signing in to the console, an agent's token.
//
// Env: PRESENZA_URL and PRESENZA_ADMIN_TOKEN, set by `cargo xtask test`.

import { BASE, api, createSite as createSharedSite, launch, screenshot, waitFor } from './lib.mjs';

export { BASE, api, launch, waitFor };

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A fresh site: `{ site, owner, agent(id, name, groups) -> token, status(group) }`. */
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
    /** What visitors of the site (or `group`) are told right now. */
    status: (group) => s.status(group),
  };
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

/** Screenshots of each page into target/e2e/ (for failures). */
export async function snapshot(name, pages) {
  await Promise.all(pages.map((p, i) => screenshot(p, `${name}-${i}`)));
}
