// Issue 16's done-when: a new owner goes from an empty deploy to a first
// answered chat in the browser, without curl: the root page leads to the
// platform page, the admin token signs in, a site is created and its
// owner key shown once; the owner signs in to the console with it, turns
// on "I answer chats too", copies the embed snippet onto a page of another
// origin, the checklist says where the chat box was seen, a visitor
// writes there and the owner answers from the inbox. README's quick start
// says the same steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ADMIN, BASE, api, chatState, openChat, openPage, say, screenshot, sharedBrowser, waitFor, waitForStatus, widgetState } from './lib.mjs';
import { DESKTOP, axeViolations } from './console-lib.mjs';

const { browser } = sharedBrowser('first-ten-minutes');

/** A shop of its own origin (another port of loopback) serving `html` at /cart. */
async function shopServer(html) {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url.startsWith('/cart') ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.url.startsWith('/cart') ? html : 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

test('a new owner goes from an empty deploy to a first answered chat, in the browser', { timeout: 120_000 }, async () => {
  const context = await browser().newContext(DESKTOP);
  const owner = await context.newPage();
  owner.on('pageerror', (e) => console.error(`[owner page error] ${e.message}`));
  let visitor;
  let shop;
  try {
    // The root page of a deploy without a chosen site leads to the platform page.
    await owner.goto(`${BASE}/`);
    await owner.waitForURL(`${BASE}/platform/`);
    await owner.waitForSelector('#signin-form');
    assert.deepEqual(await axeViolations(owner), [], 'platform sign-in');

    await owner.fill('#signin-form [name=token]', 'not the token');
    await owner.click('#signin-form button[type=submit]');
    await owner.waitForSelector('#signin-error:not([hidden])');
    await owner.fill('#signin-form [name=token]', ADMIN);
    await owner.click('#signin-form button[type=submit]');
    await owner.waitForSelector('#create-form');

    await owner.fill('#create-form [name=name]', 'Corner Shop');
    await owner.click('#create-form button[type=submit]');
    await owner.waitForSelector('#new-site:not([hidden]) #owner-key');
    const ownerKey = (await owner.textContent('#owner-key')).trim();
    assert.match(ownerKey, /^pzo_[0-9a-f]{64}$/);
    const siteId = new URL(await owner.getAttribute('#open-console', 'href'), BASE).searchParams.get('site');
    await owner.waitForSelector(`#sites li[data-site="${siteId}"]`);
    assert.equal(await owner.inputValue(`#name-${siteId}`), 'Corner Shop');
    assert.deepEqual(await axeViolations(owner), [], 'platform with a new site');
    // The admin token is kept in this browser: no second sign-in.
    await owner.reload();
    await owner.waitForSelector(`#sites li[data-site="${siteId}"]`);
    assert.equal(await owner.isVisible('#signin-form'), false);

    // The console, signed in with the owner key shown once.
    await owner.goto(`${BASE}/console/?site=${siteId}`);
    await owner.fill('#token', ownerKey);
    await owner.click('form[data-action=signin] button[type=submit]');
    await owner.waitForSelector('.owner-shell #checklist .checklist');
    await waitFor('the site name in the top bar', async () => /Corner Shop/.test(await owner.textContent('#site-name')));

    // "I answer chats too".
    await owner.waitForSelector('#owner-agent form');
    await owner.check('#owner-agent-on');
    await owner.fill('#owner-agent [name=name]', 'Olga');
    await owner.click('#owner-agent button[type=submit]');
    await owner.waitForSelector('#owner-agent .ok');
    await owner.waitForSelector('#inbox-link:not([hidden])');

    // Working hours: not for this shop.
    await owner.click('#checklist [data-action=decline-hours][data-declined=yes]');
    await owner.waitForSelector('#checklist [data-action=decline-hours][data-declined=no]');

    // The snippet, pasted on a page of another origin.
    await owner.click('nav.tabs .tab[data-page=embed]');
    await owner.waitForSelector('#embed-snippet');
    const snippet = await owner.textContent('#embed-snippet');
    assert.ok(snippet.includes(`(window, document, '${BASE}', '${siteId}');`), snippet);
    shop = await shopServer(`<!doctype html><html lang="en"><head><title>Cart</title></head>
      <body><h1>Your cart</h1>${snippet}</body></html>`);
    visitor = await openPage(browser(), `${shop.origin}/cart?item=7`);
    await waitFor('the widget painted on the shop', () => widgetState(visitor), 15_000);

    // The checklist says where.
    await owner.click('#checklist [data-action=reload-checklist]');
    const seen = await waitFor('the chat box seen', async () => {
      await owner.click('#checklist [data-action=reload-checklist]').catch(() => {});
      const t = await owner.textContent('#widget-seen').catch(() => null);
      return t && t.includes(`${shop.origin}/cart`) && t;
    }, 10_000, 300);
    assert.match(seen, /^Your chat box was seen on http:\/\/127\.0\.0\.1:\d+\/cart at .+\.$/);
    assert.doesNotMatch(seen, /item=7/, 'no query string');

    // To the inbox, as Olga, with no second sign-in.
    await owner.click('#inbox-link');
    await owner.waitForSelector('.agent-shell #conn[data-state=live]');
    await waitFor('Olga in the top bar', async () => (await owner.textContent('#me-name')).includes('Olga'));
    await waitForStatus(visitor, 'online', undefined, 10_000);

    // The visitor writes; the owner answers.
    await openChat(visitor, 'chat');
    await say(visitor, 'Do you ship to Milan?');
    await owner.waitForSelector('.conversation', { timeout: 10_000 });
    await owner.click('.conversation');
    await owner.waitForSelector('.messages .from-visitor >> text=Do you ship to Milan?');
    await owner.fill('#reply-text', 'Yes, in two days.');
    await owner.click('form.reply button[type=submit]');
    await owner.waitForSelector('.messages .from-agent[data-state=sent]');
    await waitFor('the answer in the visitor\'s chat', async () =>
      (await chatState(visitor)).messages.some((m) => m.text === 'Yes, in two days.' && /Olga/.test(m.who)), 10_000);

    // Back to the owner's pages: every step done, the checklist gone.
    await owner.click('[data-action=owner-pages]');
    await owner.waitForSelector('.owner-shell #page .page-inner');
    const list = await api('GET', `/v1/sites/${siteId}/onboarding`, ownerKey);
    assert.equal(list.body.done, true, JSON.stringify(list.body));
    await waitFor('the checklist gone', async () => (await owner.$('#checklist .checklist')) === null);
  } catch (e) {
    await screenshot(owner, 'first-ten-minutes-owner');
    if (visitor) await screenshot(visitor, 'first-ten-minutes-visitor');
    throw e;
  } finally {
    shop?.server.close();
    await visitor?.context().close();
    await context.close();
  }
});
