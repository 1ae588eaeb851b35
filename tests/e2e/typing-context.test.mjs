// Typing indicators both ways and the visitor's context beside the
// conversation (issues 13 and 14), in a real browser: the widget embedded on
// a shop of another origin (README's snippet, served by the test), the agent
// in the console on a desktop and a phone. "Visitor … is typing…" shows in
// the console's conversation and its inbox row while the visitor types and
// goes on a stop (the composer emptied) or on its own a few seconds after
// the last keystroke; "Giulia Rossi is typing…" shows in the widget while
// the agent types and goes with the reply or when the agent leaves the box.
// The console's conversation view with both passes axe-core (WCAG 2.2 AA),
// light and dark.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, axeViolations, createSite, scenario as sharedScenario, sharedBrowser, signIn, waitFor, startShop,
} from './console-lib.mjs';
import { chatState, openChat, say } from './lib.mjs';

const shared = sharedBrowser('typing-context');
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

/** The shop (`startShop`): a link to its checkout, the widget in Italian with `?lang=it`. */
let shopServer;
before(async () => {
  shopServer = await startShop((snippet, url, site) => {
    const lang = url.searchParams.get('lang') === 'it' ? "<script>presenza('language', 'it');</script>" : '';
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Blue kettle</title></head>
<body><h1>Blue kettle</h1><a href="/checkout?site=${site}">Checkout</a>${snippet}${lang}</body></html>`;
  });
});
after(() => shopServer?.close());

/** A page of the shop at `path` in `ctx`, with the widget of `site` painted. */
async function shopPage(ctx, site, path = '/product/blue-kettle', query = '') {
  const page = await ctx.newPage();
  await page.goto(`${shopServer.origin}${path}?site=${site}${query}`);
  await page.waitForFunction(() => document.querySelector('presenza-widget')?.shadowRoot?.getElementById('w'));
  return page;
}

/** The widget's typing line ("" when hidden). */
const widgetTyping = (page) => page.evaluate(
  () => document.querySelector('presenza-widget').shadowRoot.getElementById('ty')?.textContent ?? '',
);

/** The console's typing line under the open conversation, and its row's. */
const consoleTyping = (page) => page.evaluate(() => ({
  pane: document.querySelector('.conversation-view .typing')?.textContent ?? '',
  row: document.querySelector('.conversation .conv-typing')?.textContent ?? '',
}));

test('typing shows both ways and goes on a stop, a message, or by itself', { timeout: 120_000 }, () =>
  scenario('typing', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('giulia', 'Giulia Rossi');
    const agent = await signIn(await open(DESKTOP), s.site, token);
    pages.push(agent);
    await agent.waitForSelector('#conn[data-state=live]');

    const shop = await shopPage(await open(DESKTOP), s.site);
    pages.push(shop);
    await openChat(shop, 'chat');
    await say(shop, 'Hello, do you ship to Italy?');
    await agent.waitForSelector('.conversation[data-id]');
    const cid = await agent.getAttribute('.conversation[data-id]', 'data-id');
    await agent.click(`.conversation[data-id="${cid}"]`);
    await agent.waitForSelector('.conversation-view #reply-text');
    const title = (await agent.textContent('.pane-title h2')).trim();

    // The visitor types: the agent sees it in the conversation and its row.
    const composer = shop.locator('presenza-widget #f');
    await composer.pressSequentially('And to Malta', { delay: 30 });
    await waitFor('the console shows the visitor typing', async () => {
      const t = await consoleTyping(agent);
      return t.pane === `${title} is typing…` && t.row === 'typing…';
    });
    // The composer emptied: a stop, at once.
    await composer.fill('');
    await composer.press('Backspace');
    await waitFor('the typing line goes with the stop', async () => {
      const t = await consoleTyping(agent);
      return t.pane === '' && t.row === '';
    }, 3000);

    // One keystroke, then nothing: it goes by itself (the composer keeps the
    // focus, so no stop is sent).
    await composer.pressSequentially('?');
    await waitFor('typing again', async () => (await consoleTyping(agent)).pane !== '');
    await waitFor('the typing line runs out', async () => (await consoleTyping(agent)).pane === '', 10_000);
    assert.equal(await composer.evaluate((el) => el.getRootNode().activeElement === el), true);

    // The agent types: the widget names them; their reply ends it.
    await agent.locator('#reply-text').pressSequentially('Yes, we', { delay: 30 });
    await waitFor('the widget shows the agent typing', async () => (await widgetTyping(shop)) === 'Giulia Rossi is typing…');
    await agent.locator('#reply-text').pressSequentially(' do!');
    await agent.locator('#reply-text').press('Enter');
    await waitFor('the reply arrives and the typing line goes', async () => {
      const c = await chatState(shop);
      return c.messages.some((m) => m.text === 'Yes, we do!') && (await widgetTyping(shop)) === '';
    });

    // Typing again, then leaving the box: a stop.
    await agent.locator('#reply-text').pressSequentially('One more');
    await waitFor('typing again in the widget', async () => (await widgetTyping(shop)) !== '');
    await agent.click('.pane-title h2');
    await waitFor('the widget drops it when the agent leaves the box', async () => (await widgetTyping(shop)) === '', 3000);

    // The visitor's message ends their own indicator at once.
    await composer.pressSequentially('Thanks');
    await waitFor('typing', async () => (await consoleTyping(agent)).pane !== '');
    await composer.press('Enter');
    await waitFor('the message arrives and the typing line goes', async () => {
      const t = await consoleTyping(agent);
      return t.pane === '' && /Thanks/.test(await agent.textContent('.messages'));
    }, 3000);
  }));

test('the widget says who is typing in the visitor\'s language; the console passes axe with it and the context, light and dark', { timeout: 120_000 }, () =>
  scenario('typing-axe', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('giulia', 'Giulia Rossi');
    const first = await signIn(await open({ ...PHONE, colorScheme: 'light' }), s.site, token);
    pages.push(first);
    await first.waitForSelector('#conn[data-state=live]');
    const shop = await shopPage(await open({ ...PHONE, locale: 'it-IT' }), s.site, '/', '&lang=it');
    pages.push(shop);
    await openChat(shop, 'chat');
    await say(shop, 'Ciao!');
    for (const colorScheme of ['light', 'dark']) {
      const agent = colorScheme === 'light' ? first : await signIn(await open({ ...PHONE, colorScheme }), s.site, token);
      pages.push(agent);
      await agent.waitForSelector('#conn[data-state=live]');
      await agent.waitForSelector('.conversation[data-id]');
      await agent.click('.conversation[data-id]');
      await agent.waitForSelector('.conversation-view #reply-text');
      await agent.locator('#reply-text').pressSequentially('Un attimo');
      await waitFor('the widget shows the agent typing, in Italian', async () => (await widgetTyping(shop)) === 'Giulia Rossi sta scrivendo…');
      await shop.locator('presenza-widget #f').pressSequentially('Grazie', { delay: 30 });
      await waitFor('the console shows the visitor typing', async () => /is typing…$/.test((await consoleTyping(agent)).pane));
      await agent.waitForSelector('.conversation-view .visitor-context');
      const violations = await axeViolations(agent);
      assert.deepEqual(violations, [], `${colorScheme} conversation: ${JSON.stringify(violations, null, 1)}`);
      await shop.locator('presenza-widget #f').fill('');
      await agent.locator('#reply-text').fill('');
      await agent.close();
    }
  }));

/** The console's context block: `{label: text}` and the links' targets. */
const contextShown = (page) => page.evaluate(() => {
  const dl = document.querySelector('.conversation-view .visitor-context');
  if (!dl) return null;
  const items = {};
  for (const item of dl.querySelectorAll('.ctx-item')) {
    items[item.querySelector('dt').textContent] = item.querySelector('dd').textContent;
  }
  const tz = dl.querySelector('.ctx-item dd span[title]')?.getAttribute('title') ?? null;
  return { items, tz, text: dl.textContent };
});

test("the visitor's context shows beside the conversation and follows them to another page", { timeout: 120_000 }, () =>
  scenario('context', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('giulia', 'Giulia Rossi');
    const agent = await signIn(await open(PHONE), s.site, token);
    pages.push(agent);
    await agent.waitForSelector('#conn[data-state=live]');

    const shop = await shopPage(await open({ ...DESKTOP, timezoneId: 'Asia/Tokyo' }), s.site);
    pages.push(shop);
    await openChat(shop, 'chat');
    await say(shop, 'Does the kettle come in red?');
    await agent.waitForSelector('.conversation[data-id]');
    await agent.click('.conversation[data-id]');
    const tokyo = () => agent.evaluate(() => new Date().toLocaleTimeString(undefined, { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }));
    const before = await tokyo();
    const shown = await waitFor('the context beside the conversation', async () => {
      const c = await contextShown(agent);
      return c && c.items['On page'] && c;
    });
    const after = await tokyo();
    assert.equal(shown.items['On page'], `${shopServer.origin.replace('http://', '')}/product/blue-kettle?site=${s.site}`);
    assert.match(shown.items.Browser, /^Chrome \d+ on Linux$/);
    // The visitor's local time (Tokyo's), in the agent's own format.
    assert.ok([before, after].includes(shown.items['Local time']), `${shown.items['Local time']} is Tokyo's ${before}`);
    assert.equal(shown.tz, 'Asia/Tokyo');
    // Locally the platform may give no country or city: then none shows,
    // and nothing reads "undefined" or "null".
    assert.doesNotMatch(shown.text, /undefined|null|NaN/);
    // Readable on a phone: nothing wider than the screen.
    const overflow = await agent.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);

    // The visitor goes to the checkout: the console follows, live.
    await shop.click('text=Checkout');
    await shop.waitForURL(/\/checkout/);
    const moved = await waitFor('the console follows the visitor', async () => {
      const c = await contextShown(agent);
      return c && /\/checkout/.test(c.items['On page'] ?? '') && c;
    }, 10_000);
    assert.match(moved.items['Wrote from'], /\/product\/blue-kettle/);
  }));
