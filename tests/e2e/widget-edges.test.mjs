// The chat box as visitors and site owners meet it (issue 13): every rough
// edge a new user found, each checked end to end in Debian's chromium
// against the real edge in workerd, and what visitors expect from other
// chat widgets. Each test makes its own site and agents.
// Env: PRESENZA_URL, PRESENZA_ADMIN_TOKEN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  BASE,
  api,
  chatState,
  createSite,
  demoUrl,
  openChat,
  say,
  waitFor,
  waitForStatus,
  widgetState,
  sharedBrowser,
} from './lib.mjs';

const shared = sharedBrowser('edges');
const { open, withPage } = shared;

/** The visitor's conversation as the agent lists it (waits for it). */
function listed(agent, pred = () => true, ms = 5000) {
  return waitFor("the conversation in the agent's list", async () => (await agent.conversations()).find(pred), ms);
}

/** Records the page's WebSockets (`page.sockets`: their URLs). */
function countSockets(page) {
  page.sockets = [];
  page.on('websocket', (ws) => page.sockets.push(ws.url()));
  return page;
}

test('1. the default busy reply speaks the visitor\'s language; an agent\'s own message stays as written', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('busy');
  await withPage(
    'busy-italian',
    demoUrl(site.id),
    async (page) => {
      await waitForStatus(page, 'busy', 'Siamo occupati');
      await openChat(page, 'chat');
      await say(page, 'Ciao, avete la moka da 3 tazze?');
      const c = await waitFor('the automatic reply', async () => {
        const s = await chatState(page);
        return s.messages.length === 2 && s;
      });
      assert.deepEqual(
        { class: c.messages[1].class, who: c.messages[1].who, text: c.messages[1].text },
        { class: 'm s', who: 'Risposta automatica', text: 'Al momento siamo occupati, torniamo presto.' },
      );
      // The edge stores the rules' English default: the agent reads it so.
      const conv = await listed(giulia);
      const stored = await giulia.messages(conv.id);
      assert.equal(stored[1].kind, 'auto_reply');
      assert.equal(stored[1].text, "We're busy right now and will be back soon.");
      assert.deepEqual(page.noise, []);
    },
    { locale: 'it-IT' },
  );
  // A busy agent's own message is theirs: shown as written.
  const other = await createSite();
  const marco = await other.agent('marco', { name: 'Marco' });
  await marco.status('busy', 'Torno alle 15, Marco');
  await withPage(
    'busy-own-message',
    demoUrl(other.id),
    async (page) => {
      await waitForStatus(page, 'busy', 'Torno alle 15, Marco');
      await openChat(page, 'chat');
      await say(page, 'Ciao');
      const c = await waitFor('the automatic reply', async () => {
        const s = await chatState(page);
        return s.messages.length === 2 && s;
      });
      assert.equal(c.messages[1].text, 'Torno alle 15, Marco');
    },
    { locale: 'it-IT' },
  );
});

test('2. after a reload the chat opens at the first unread reply, under a marker, not at the oldest message', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  const context = await shared.browser().newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(demoUrl(site.id));
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    await say(page, 'I have a few questions about grinders.');
    const conv = await listed(giulia);
    // A long conversation, read up to here.
    for (let i = 1; i <= 12; i++) {
      await giulia.reply(conv.id, `Answer ${i}: ${'a fairly long line about burrs and grind sizes. '.repeat(2)}`);
    }
    await waitFor('the answers', async () => (await chatState(page)).messages.length === 13);
    // Away: the panel closed, a reply comes.
    await page.keyboard.press('Escape');
    await giulia.reply(conv.id, 'The new reply: the C40 is back in stock.');
    await waitFor('the badge', async () => (await chatState(page)).badge === '1');
    await page.reload();
    await waitForStatus(page, 'online');
    await waitFor('the badge after the reload', async () => (await chatState(page))?.badge === '1');
    await openChat(page, 'chat');
    const at = await page.evaluate(() => {
      const r = document.querySelector('presenza-widget').shadowRoot;
      const body = r.getElementById('g').parentElement;
      const marked = r.querySelector('#g [data-new]');
      const b = body.getBoundingClientRect();
      const m = marked && marked.getBoundingClientRect();
      return {
        scrollTop: body.scrollTop,
        scrollHeight: body.scrollHeight,
        clientHeight: body.clientHeight,
        marked: marked && marked.children[1].textContent,
        marker: marked && getComputedStyle(marked, '::before').content,
        visible: !!m && m.top >= b.top && m.bottom <= b.bottom,
      };
    });
    assert.ok(at.scrollHeight > at.clientHeight * 2, 'a log longer than the panel');
    assert.ok(at.scrollTop > 0, `scrollTop ${at.scrollTop}: not the oldest message`);
    assert.equal(at.marked, 'The new reply: the C40 is back in stock.');
    assert.equal(at.marker, '"New messages"');
    assert.ok(at.visible, 'the unread reply is in view');
    assert.equal((await chatState(page)).badge, null);
  } finally {
    await context.close();
  }
});

test('3. a wrong site id hides the widget and says so once; an unknown group falls back to the whole site', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  const bogus = 's_' + '0'.repeat(32);
  await withPage('wrong-site', `${BASE}/?site=${bogus}`, async (page) => {
    countSockets(page);
    await page.waitForTimeout(3500);
    assert.equal(await widgetState(page), null, 'no box to type into');
    assert.equal(await page.evaluate(() => document.querySelectorAll('presenza-widget').length), 0);
    assert.deepEqual(page.sockets, [], 'no socket, no retries');
    const mine = page.noise.filter((n) => n.includes('Presenza'));
    assert.deepEqual(mine, [
      `warning: Presenza: no such site (site ${bogus} at ${BASE}). Check the snippet; the widget stays hidden.`,
    ]);
    // Besides the browser's own line for the 404, nothing.
    assert.deepEqual(
      page.noise.filter((n) => !n.includes('Presenza') && !/404/.test(n)),
      [],
      JSON.stringify(page.noise),
    );
  });
  await withPage('unknown-group', demoUrl(site.id, { group: 'sale' }), async (page) => {
    countSockets(page);
    // The site's agents are online: so is the widget.
    await waitForStatus(page, 'online', 'Chat with us');
    const mine = page.noise.filter((n) => n.includes('Presenza'));
    assert.deepEqual(mine, [
      `warning: Presenza: no group \`sale\` on this site (site ${site.id} at ${BASE}). Check the snippet; the widget shows the whole site.`,
    ]);
    // The socket opens after the paint (off its path): wait for it.
    await waitFor('the widget\'s socket', () => page.sockets.length > 0);
    assert.deepEqual(
      page.sockets.map((u) => new URL(u).search),
      [''],
      'one socket, for the whole site',
    );
    // And a message gets through.
    await openChat(page, 'chat');
    await say(page, 'Hello from a mistyped group');
    await page.waitForTimeout(3500);
    assert.equal(page.sockets.length, 1, 'no retries');
  });
});

test('3b. on a page of an origin the site does not allow, the widget hides and the owner is told once which origin and where to add it', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  // A shop on another origin (a port of its own: Chromium lets only
  // loopback pages reach a loopback edge), with the snippet.
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Shop</title></head><body><h1>Shop</h1>
<script async src="${BASE}/widget/loader.js" data-site="${site.id}"></script></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const shop = `http://127.0.0.1:${server.address().port}`;
  try {
    await site.settings({ allowed_origins: ['https://shop.example'] });
    await withPage('refused-origin', `${shop}/`, async (page) => {
      countSockets(page);
      await waitFor('the warning', () => page.noise.some((n) => n.includes('Presenza')));
      await page.waitForTimeout(3500);
      assert.equal(await page.evaluate(() => document.querySelectorAll('presenza-widget').length), 0, 'no box that cannot deliver');
      assert.deepEqual(page.sockets, [], 'no socket, no retries');
      assert.deepEqual(page.noise.filter((n) => n.includes('Presenza')), [
        `warning: Presenza: ${shop} is not in this site's allowed origins: add it in the console (Settings → Allowed origins) or with PUT settings \`allowed_origins\` (site ${site.id} at ${BASE}). The widget stays hidden.`,
      ]);
      // Besides the browser's own line for the 403, nothing (no CORS error).
      assert.deepEqual(page.noise.filter((n) => !n.includes('Presenza') && !/403/.test(n)), [], JSON.stringify(page.noise));
    });
    // Allowed: the same page shows the site's live status.
    await site.settings({ allowed_origins: ['https://shop.example', shop] });
    await withPage('allowed-origin', `${shop}/`, async (page) => {
      await waitForStatus(page, 'online', 'Chat with us');
      assert.deepEqual(page.noise, []);
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('4. the offline confirmation promises no e-mail', async () => {
  const site = await createSite();
  await withPage('offline-confirmation', demoUrl(site.id, { lang: 'de' }), async (page) => {
    await waitForStatus(page, 'offline');
    await openChat(page, 'form');
    await page.locator('presenza-widget #lf [name=n]').fill('Marco');
    await page.locator('presenza-widget #lf [name=e]').fill('marco@example.com');
    await page.locator('presenza-widget #lf [name=m]').fill('Liefern Sie nach Österreich?');
    await page.locator('presenza-widget #lf button').click();
    const c = await waitFor('the confirmation', async () => (await chatState(page)).confirmation);
    assert.equal(c, 'Danke, Marco! Ihre Nachricht ist angekommen. Unsere Antwort erscheint hier im Chat.');
    assert.doesNotMatch(c, /marco@example\.com|E-Mail/);
  });
});

test('5. texts per language, every key, live: the owner changes them and open widgets follow', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  const italian = await open(demoUrl(site.id), { locale: 'it-IT' });
  const german = await open(demoUrl(site.id), { locale: 'de-DE' });
  try {
    await waitForStatus(italian, 'online', 'Chatta con noi');
    await waitForStatus(german, 'online', 'Chatten Sie mit uns');
    await openChat(italian, 'chat');
    const placeholder = (page) => page.locator('presenza-widget #f').getAttribute('placeholder');
    assert.equal(await placeholder(italian), 'Scrivi un messaggio…');
    // The owner: Italian texts of the launcher and of the chat, and one for
    // every language.
    const put = await api('PUT', `/v1/sites/${site.id}/settings`, site.owner, {
      widget: {
        texts: {
          it: { online: 'Scrivici, siamo qui', msg_placeholder: 'La tua domanda…' },
          '*': { status_online: 'Live' },
        },
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.widget.texts, {
      '*': { status_online: 'Live' },
      it: { msg_placeholder: 'La tua domanda…', online: 'Scrivici, siamo qui' },
    });
    // Both pages follow within a second, without a reload, each in its
    // language.
    await waitForStatus(italian, 'online', 'Scrivici, siamo qui', 1000);
    await waitFor('the Italian placeholder', async () => (await placeholder(italian)) === 'La tua domanda…', 1000);
    // The panel's status line (its launcher is a close button while open).
    const sub = await italian.evaluate(() => document.querySelector('presenza-widget').shadowRoot.getElementById('s').textContent);
    assert.equal(sub, 'Live');
    const de = await waitForStatus(german, 'online', 'Chatten Sie mit uns', 1000);
    await waitFor('the German label', async () => (await widgetState(german)).label === 'Live: Chatten Sie mit uns', 1000);
    assert.equal(de.t1, 'Chatten Sie mit uns', 'the Italian text is Italian only');
    // A key the widget does not have is refused with the keys it has.
    const typo = await api('PUT', `/v1/sites/${site.id}/settings`, site.owner, {
      widget: { texts: { it: { write: 'Scrivi' } } },
    });
    assert.equal(typo.status, 400);
    assert.equal(typo.body.error.code, 'invalid_field');
    assert.match(typo.body.error.message, /`write` is not a text of the widget; its texts are online, .*msg_placeholder/);
    const lang = await api('PUT', `/v1/sites/${site.id}/settings`, site.owner, {
      widget: { texts: { klingon: { online: 'Qapla' } } },
    });
    assert.equal(lang.status, 400);
    assert.match(lang.body.error.message, /not a language of the widget/);
    // Settings of an earlier client (a flat map) still mean every language.
    const flat = await api('PUT', `/v1/sites/${site.id}/settings`, site.owner, {
      widget: { texts: { offline: 'Lasciaci un messaggio qui' } },
    });
    assert.equal(flat.status, 200, JSON.stringify(flat.body));
    assert.deepEqual(flat.body.widget.texts, { '*': { offline: 'Lasciaci un messaggio qui' } });
    assert.deepEqual(italian.noise, []);
    assert.deepEqual(german.noise, []);
  } finally {
    await italian.context().close();
    await german.context().close();
  }
});

test('6. on a phone the panel opens full screen, without the keyboard', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  await withPage(
    'phone',
    demoUrl(site.id),
    async (page) => {
      await waitForStatus(page, 'online');
      await page.tap('presenza-widget #l');
      await waitFor('the chat', async () => (await chatState(page))?.mode === 'chat' && (await widgetState(page)).open);
      // Once it has slid in.
      await page.waitForTimeout(400);
      const s = await page.evaluate(() => {
        const r = document.querySelector('presenza-widget').shadowRoot;
        const p = r.getElementById('p').getBoundingClientRect();
        const l = r.getElementById('l');
        return {
          panel: [p.x, p.y, p.width, p.height],
          active: r.activeElement && r.activeElement.id,
          launcher: getComputedStyle(l).display,
          fontSize: getComputedStyle(r.getElementById('f')).fontSize,
        };
      });
      assert.deepEqual(s.panel, [0, 0, 390, 844], 'full screen');
      assert.equal(s.active, 'p', 'the dialog has the focus, not the composer (no keyboard)');
      assert.equal(s.launcher, 'none', 'the panel has its own close button');
      assert.equal(s.fontSize, '16px', 'no zoom on focus');
      // Its close button closes it.
      await page.tap('presenza-widget #x');
      assert.equal((await widgetState(page)).open, false);
    },
    { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  );
});

test('7. the open launcher is a close button, the busy message is not cut, the fallback link is the launcher\'s blue', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia');
  const message = 'Back in 5 minutes, grabbing coffee from the bakery round the corner';
  await giulia.status('busy', message);
  let accent;
  await withPage('launcher', demoUrl(site.id), async (page) => {
    const s = await waitForStatus(page, 'busy', message);
    assert.equal(s.t1, message);
    const t1 = await page.evaluate(() => {
      const el = document.querySelector('presenza-widget').shadowRoot.getElementById('t1');
      return { scroll: el.scrollWidth, client: el.clientWidth, lines: Math.round(el.clientHeight / parseFloat(getComputedStyle(el).lineHeight)) };
    });
    assert.ok(t1.scroll <= t1.client, 'nothing cut off');
    assert.ok(t1.lines >= 2, `the whole message on ${t1.lines} lines`);
    await openChat(page, 'chat');
    const open = await page.evaluate(() => {
      const r = document.querySelector('presenza-widget').shadowRoot;
      const l = r.getElementById('l');
      const p = r.getElementById('p').getBoundingClientRect();
      const b = l.getBoundingClientRect();
      return {
        label: l.getAttribute('aria-label'),
        size: [b.width, b.height],
        below: b.top >= p.bottom,
        accent: getComputedStyle(l).backgroundColor,
      };
    });
    assert.equal(open.label, 'Close chat');
    assert.deepEqual(open.size, [56, 56]);
    assert.ok(open.below, 'below the panel, not covered by it');
    accent = open.accent;
    await page.locator('presenza-widget #l').click();
    assert.equal((await widgetState(page)).open, false, 'it closes the panel');
    assert.equal((await widgetState(page)).label, `Busy: ${message}`);
  });
  await withPage('csp-colour', `${BASE}/test/csp.html?site=${site.id}`, async (page) => {
    const bg = await waitFor('the fallback link', () =>
      page.evaluate(() => {
        const a = document.querySelector('presenza-widget')?.shadowRoot?.querySelector('a');
        return a && getComputedStyle(a).backgroundColor;
      }),
    );
    assert.equal(bg, accent, 'the same blue as the launcher of a site with the default accent');
  });
});

test('8. where a CSP forbids Wasm, nothing is fetched nor opened: no WebSocket warning', async () => {
  const site = await createSite();
  await withPage('csp-quiet', `${BASE}/test/csp.html?site=${site.id}`, async (page) => {
    countSockets(page);
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.reload();
    await waitFor('the fallback link', () =>
      page.evaluate(() => !!document.querySelector('presenza-widget')?.shadowRoot?.querySelector('a')),
    );
    await page.waitForTimeout(500);
    assert.deepEqual(page.sockets, [], 'no socket');
    assert.deepEqual(
      requests.filter((p) => p.startsWith('/v1/') || p.endsWith('.wasm')),
      [],
      'no API call, no Wasm fetched',
    );
    assert.deepEqual(page.noise.filter((n) => /WebSocket/i.test(n)), []);
    // The browser's own report of the refused Wasm is the only line.
    assert.ok(page.noise.every((n) => /WebAssembly|wasm-unsafe-eval/.test(n)), JSON.stringify(page.noise));
  });
});

test('8b. the CSP fallback link keeps the page\'s group and language: the hosted page follows both', async () => {
  const site = await createSite();
  await site.group('sales', 'Sales');
  // A sales agent counts for sales only: the whole site stays offline.
  await (await site.agent('giulia', { groups: ['sales'] })).status('online');
  await withPage('csp-group', null, async (page) => {
    // The page says German before the loader runs (its queue).
    await page.addInitScript(() => {
      window.presenza = function () { (window.presenza.q = window.presenza.q || []).push(arguments); };
      window.presenza('language', 'de');
    });
    await page.goto(`${BASE}/test/csp.html?site=${site.id}&group=sales`);
    const href = await waitFor('the fallback link', () =>
      page.evaluate(() => document.querySelector('presenza-widget')?.shadowRoot?.querySelector('a')?.getAttribute('href')),
    );
    assert.equal(href, `${BASE}/chat.html?site=${site.id}&group=sales&lang=de&hl=en`);
    const chat = await page.context().newPage();
    await chat.goto(href);
    await waitFor('the group\'s status on the hosted page', async () => (await chat.getAttribute('#chat', 'class')) === 'online');
    assert.equal(await chat.evaluate(() => document.documentElement.lang), 'de');
  });
});

test('8c. the hosted chat page meets set-up mistakes as the widget does: no form for a wrong site, the whole site for an unknown group', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  await withPage('hosted-wrong-site', `${BASE}/chat.html?site=s_${'0'.repeat(32)}`, async (page) => {
    await waitFor('the page', () => page.isVisible('#chat'));
    assert.equal(await page.isVisible('#form'), false, 'nothing to type into');
  });
  await withPage('hosted-unknown-group', `${BASE}/chat.html?site=${site.id}&group=sale`, async (page) => {
    await waitFor('the whole site\'s status', async () => (await page.getAttribute('#chat', 'class')) === 'online');
    assert.equal(await page.isVisible('#form'), true);
    await page.fill('#msg', 'Hello from a mistyped group');
    await page.press('#msg', 'Enter');
    await waitFor('the ack', () => page.evaluate(() => !!document.querySelector('#log .m.v:not(.pend)')));
  });
});

test('the agent serving the conversation in the header; the tab title and a soft sound on a reply; the page\'s own hooks', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  await withPage('expected', demoUrl(site.id), async (page) => {
    // Count the notes the widget plays (Web Audio oscillators started).
    await page.evaluate(() => {
      window.__notes = 0;
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...a) {
        window.__notes++;
        return start.apply(this, a);
      };
      window.__heard = [];
      presenza('on', 'message', (m) => window.__heard.push([m.from, m.text]));
    });
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    await say(page, 'Hello!');
    const conv = await listed(giulia);
    await giulia.reply(conv.id, 'Hi, Giulia here.');
    await waitFor('the agent in the header', async () =>
      page.evaluate(() => {
        const r = document.querySelector('presenza-widget').shadowRoot;
        return r.getElementById('an').textContent === 'Giulia' && r.getElementById('av').textContent === 'G';
      }),
    );
    assert.deepEqual(await page.evaluate(() => window.__heard), [
      ['visitor', 'Hello!'],
      ['agent', 'Hi, Giulia here.'],
    ]);
    assert.equal(await page.evaluate(() => window.__notes), 0, 'no sound while the panel is open and seen');
    // The visitor leaves the tab: the reply flashes the title and chimes.
    const title = await page.title();
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await giulia.reply(conv.id, 'Anything else?');
    await waitFor('the title', async () => (await page.title()) === 'New message from Giulia');
    assert.ok((await page.evaluate(() => window.__notes)) > 0, 'a sound');
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    assert.equal(await page.title(), title, 'the title back');
    // The page turns the sound off.
    await page.keyboard.press('Escape');
    await page.evaluate(() => presenza('sound', false));
    const notes = await page.evaluate(() => window.__notes);
    await giulia.reply(conv.id, 'Bye for now.');
    await waitFor('the badge', async () => (await chatState(page)).badge === '1');
    assert.equal(await page.evaluate(() => window.__notes), notes, 'silent');
    assert.deepEqual(page.noise, []);
  });
  // A page that knows its signed-in visitor: no form offline, the agent
  // gets their name and e-mail.
  await giulia.status('offline');
  await withPage('signed-in', demoUrl(site.id), async (page) => {
    await page.evaluate(() => presenza('visitor', { name: 'Ada Lovelace', email: 'ada@example.com' }));
    await waitForStatus(page, 'offline');
    await openChat(page, 'chat');
    await say(page, 'Please call me back.');
    const conv = await listed(giulia, (c) => c.visitor.name === 'Ada Lovelace');
    assert.equal(conv.visitor.email, 'ada@example.com');
    assert.equal((await chatState(page)).confirmation, '');
  });
});
