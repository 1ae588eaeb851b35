// The conversation end to end (issue 6, the widget's part): Debian's
// chromium on the demo page, the real edge in workerd, agents through the
// API and a device socket. Each test makes its own site and agents.
// Env: PRESENZA_URL, PRESENZA_ADMIN_TOKEN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { axeViolations } from './console-lib.mjs';
import {
  BASE,
  api,
  chatState,
  createSite,
  demoUrl,
  openChat,
  say,
  screenshot,
  waitFor,
  waitForStatus,
  widgetState,
  sharedBrowser,
} from './lib.mjs';

const shared = sharedBrowser('chat');
const { open, withPage } = shared;

/** The visitor's conversation as the agent lists it (waits for it). */
function listed(agent, pred = () => true, ms = 5000) {
  return waitFor('the conversation in the agent\'s list', async () => (await agent.conversations()).find(pred), ms);
}

test('online: the visitor writes, the agent gets it live and replies, the reply shows live as text', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  const device = await giulia.device();
  await withPage('online', demoUrl(site.id), async (page) => {
    await page.evaluate(() => (window.__sameDocument = true));
    await waitForStatus(page, 'online');
    // The chat loads when the panel opens; the composer has the focus.
    let c = await openChat(page, 'chat');
    assert.equal(c.active, 'f', 'the composer is focused');
    assert.deepEqual(c.messages, []);
    c = await say(page, 'Hi! Is the Ethiopia Guji good for espresso?');
    assert.equal(c.messages[0].who, 'You');

    // The agent's device gets it at once; the inbox lists it, waiting.
    const pushed = await device.next(
      'the message on the agent\'s device',
      (f) => f.type === 'message' && f.message.text === 'Hi! Is the Ethiopia Guji good for espresso?',
    );
    assert.equal(pushed.message.from, 'visitor');
    const conv = await listed(giulia);
    assert.equal(conv.id, pushed.conversation.id);
    assert.equal(conv.waiting, true);
    assert.equal(conv.last_message.text, 'Hi! Is the Ethiopia Guji good for espresso?');

    // The reply, with markup in it: shown live, as typed, inert.
    const xss = 'It shines as filter; for espresso take the <b>House Blend</b> <img src=x onerror=alert(1)>';
    await giulia.reply(conv.id, xss);
    c = await waitFor('the reply in the panel', async () => {
      const s = await chatState(page);
      return s.messages.length === 2 && s;
    });
    assert.deepEqual(
      { class: c.messages[1].class, who: c.messages[1].who, text: c.messages[1].text },
      { class: 'm a', who: 'Giulia', text: xss },
    );
    assert.equal(c.images, 0, 'no element made from the text');
    await page.waitForTimeout(300);
    assert.deepEqual(page.dialogs, [], 'nothing ran');
    assert.equal((await listed(giulia)).waiting, false, 'answered');

    // Panel closed: the next reply is a badge on the launcher, and announced.
    await page.keyboard.press('Escape');
    await giulia.reply(conv.id, 'Anything else?');
    c = await waitFor('the unread badge', async () => {
      const s = await chatState(page);
      return s.badge === '1' && s;
    });
    const w = await widgetState(page);
    assert.equal(w.announced, 'New message from Giulia');
    assert.equal(w.open, false);
    const described = await page.evaluate(() => {
      const r = document.querySelector('presenza-widget').shadowRoot;
      return r.getElementById(r.getElementById('l').getAttribute('aria-describedby')).textContent;
    });
    assert.equal(described, '1 new message');
    await openChat(page);
    assert.equal((await chatState(page)).badge, null, 'read once the panel is open');

    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
    assert.deepEqual(page.noise, [], 'no console noise');
  });
  device.ws.close();
});

test('the conversation survives a reload, and another visitor cannot see it', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  const context = await shared.browser().newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(demoUrl(site.id));
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    await say(page, 'Order 1042: can I still change the grind?');
    const conv = await listed(giulia);
    await giulia.reply(conv.id, 'Yes, until 3 pm.');
    await waitFor('the reply', async () => (await chatState(page)).messages.length === 2);
    const visitor = await page.evaluate(
      (id) => JSON.parse(localStorage.getItem(`presenza:${id}`)),
      site.id,
    );
    assert.match(visitor.v, /^[A-Za-z0-9_-]{22}$/);
    assert.match(visitor.k, /^[A-Za-z0-9_-]{43}$/);

    // A reply while the visitor is away (panel closed), then a reload: the
    // history is back, and the unread reply shows on the launcher.
    await page.keyboard.press('Escape');
    await giulia.reply(conv.id, 'Shall I switch it to moka?');
    await waitFor('the badge', async () => (await chatState(page)).badge === '1');
    await page.reload();
    await waitForStatus(page, 'online');
    const badge = await waitFor('the badge after the reload (the chat loads for a known visitor)', async () => {
      const c = await chatState(page);
      return c && c.badge;
    });
    assert.equal(badge, '1');
    const chatLoaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).find((n) => n.includes('chat.js')));
    assert.ok(chatLoaded, 'the chat module was loaded without opening the panel');
    const c = await openChat(page, 'chat');
    assert.deepEqual(
      c.messages.map((m) => [m.class, m.text]),
      [
        ['m v', 'Order 1042: can I still change the grind?'],
        ['m a', 'Yes, until 3 pm.'],
        ['m a', 'Shall I switch it to moka?'],
      ],
    );
    // Another page of the site (same visitor): the same conversation, and
    // what one tab writes shows in the other.
    const other = await context.newPage();
    await other.goto(demoUrl(site.id));
    await waitForStatus(other, 'online');
    await openChat(other, 'chat');
    await waitFor('the history in the second tab', async () => (await chatState(other)).messages.length === 3);
    await say(other, 'Yes please, moka.');
    await waitFor('the other tab\'s message in the first tab', async () => {
      const m = (await chatState(page)).messages;
      return m.length === 4 && m[3].text === 'Yes please, moka.' && m[3].class === 'm v';
    });

    // Another visitor (a fresh browser context): an empty chat.
    await withPage('stranger', demoUrl(site.id), async (stranger) => {
      await waitForStatus(stranger, 'online');
      const s = await openChat(stranger, 'chat');
      assert.deepEqual(s.messages, []);
      await stranger.waitForTimeout(300);
      assert.deepEqual((await chatState(stranger)).messages, []);
      assert.equal(await stranger.evaluate((id) => localStorage.getItem(`presenza:${id}`), site.id), null);
    });
    // And the API: the first visitor's id with another secret is refused,
    // another visitor's credential sees nothing.
    const headers = (cred) => ({ 'X-Presenza-Visitor': cred });
    const get = (cred) =>
      fetch(`${BASE}/v1/sites/${site.id}/visitor/messages`, { headers: headers(cred) });
    const wrong = await get(`${visitor.v}.${'x'.repeat(43)}`);
    assert.equal(wrong.status, 403);
    const mine = await (await get(`${visitor.v}.${visitor.k}`)).json();
    assert.equal(mine.messages.length, 4);
    const stranger = await (await get(`${'s'.repeat(22)}.${'y'.repeat(43)}`)).json();
    assert.deepEqual([stranger.conversation_id, stranger.messages], [null, []]);
  } finally {
    await context.close();
  }
});

test('offline: the leave-a-message form validates, confirms, and the agent finds it waiting', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await withPage('offline', demoUrl(site.id), async (page) => {
    await waitForStatus(page, 'offline', 'Leave us a message');
    let c = await openChat(page, 'form');
    assert.equal(c.active, 'f', 'the first field is focused');
    const form = (name) => page.locator(`presenza-widget #lf [name=${name}]`);
    assert.equal(await form('n').getAttribute('id'), 'f');
    const send = page.locator('presenza-widget #lf button');

    await send.click();
    c = await chatState(page);
    assert.deepEqual(c.errors, {
      name: 'Please enter your name.',
      email: 'Please enter a valid e-mail address, like name@example.com.',
      message: 'Please write a message.',
    });
    for (const [name, error] of [['n', 'en'], ['e', 'ee']]) {
      assert.equal(await form(name).getAttribute('aria-invalid'), 'true');
      assert.equal(await form(name).getAttribute('aria-describedby'), error);
    }
    assert.equal(c.active, 'f', 'focus on the first invalid field');

    await form('n').fill('Ada Lovelace');
    await form('e').fill('ada@example');
    await form('m').fill('Do you ship to Switzerland?');
    await send.click();
    c = await chatState(page);
    assert.deepEqual(c.errors, {
      name: '',
      email: 'Please enter a valid e-mail address, like name@example.com.',
      message: '',
    });
    assert.equal(c.active, 'e');
    assert.equal(await form('n').getAttribute('aria-invalid'), null);

    await form('e').fill('ada@example.com');
    await send.click();
    c = await waitFor('the confirmation', async () => {
      const s = await chatState(page);
      return s.confirmation && s;
    });
    // No promise of an e-mail (none is sent yet): the reply comes here.
    assert.equal(c.confirmation, 'Thanks, Ada Lovelace! We got your message. Our reply will appear here in the chat.');
    assert.doesNotMatch(c.confirmation, /@|e-?mail/i);
    assert.deepEqual(
      c.messages.map((m) => [m.class, m.text]),
      [['m v', 'Do you ship to Switzerland?']],
    );
    assert.equal(c.mode, 'chat', 'the contact is remembered: the composer takes over');

    // Stored: the agent finds it waiting, with the contact, when they come.
    const conv = await listed(giulia);
    assert.equal(conv.waiting, true);
    assert.deepEqual([conv.visitor.name, conv.visitor.email], ['Ada Lovelace', 'ada@example.com']);
    assert.equal(conv.last_message.text, 'Do you ship to Switzerland?');
    // A second left message needs no form (the edge remembers the contact).
    await say(page, 'Also: do you sell gift cards?');
    assert.equal((await giulia.messages(conv.id)).length, 2);
    assert.deepEqual(page.noise, []);
  });
});

test('busy: the automatic reply comes once per conversation, shown as such', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('busy', 'With a customer, back in 10 minutes');
  await withPage('busy', demoUrl(site.id), async (page) => {
    await waitForStatus(page, 'busy');
    await openChat(page, 'chat');
    await say(page, 'Hello?');
    let c = await waitFor('the automatic reply', async () => {
      const s = await chatState(page);
      return s.messages.length === 2 && s;
    });
    assert.deepEqual(
      { class: c.messages[1].class, who: c.messages[1].who, text: c.messages[1].text },
      { class: 'm s', who: 'Automatic reply', text: 'With a customer, back in 10 minutes' },
    );
    const styles = await page.evaluate(() => {
      const [v, s] = document.querySelector('presenza-widget').shadowRoot.querySelectorAll('#g .bt');
      return [getComputedStyle(v).fontStyle, getComputedStyle(s).fontStyle, getComputedStyle(s).borderStyle];
    });
    assert.deepEqual(styles, ['normal', 'italic', 'dashed'], 'system messages look different');
    await say(page, 'OK, I will wait.');
    await page.waitForTimeout(500);
    c = await chatState(page);
    assert.deepEqual(
      c.messages.map((m) => m.class),
      ['m v', 'm s', 'm v'],
      'no second automatic reply',
    );
  });
});

test('an agent whose socket drops without signing out stays online for the grace period; the message waits for them', async () => {
  const site = await createSite();
  await site.settings({ grace_period_secs: 10 });
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  // Online through the device socket only (no HTTP session to keep alive).
  const device = await giulia.device();
  device.send({ type: 'status', status: 'online' });
  await withPage('grace', demoUrl(site.id), async (page) => {
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    device.drop();
    const dropped = Date.now();
    await page.waitForTimeout(1500);
    assert.equal((await widgetState(page)).status, 'online', 'still online inside the grace period');
    const c = await say(page, 'Are you still there?');
    assert.equal(c.mode, 'chat');
    assert.ok(Date.now() - dropped < 10_000, 'written inside the grace period');
    // The grace period ends: offline, without a reload.
    await waitForStatus(page, 'offline', undefined, 15_000);
    // The agent comes back: the message is there, waiting.
    const conv = await listed(giulia);
    assert.equal(conv.waiting, true);
    assert.equal(conv.last_message.text, 'Are you still there?');
  });
});

test('the per-visitor rate limit is a clear error; the message is kept', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia');
  await giulia.status('online');
  await withPage('rate', demoUrl(site.id), async (page) => {
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    for (let i = 1; i <= 10; i++) await say(page, `message ${i}`);
    const composer = page.locator('presenza-widget #f');
    await composer.fill('message 11');
    await composer.press('Enter');
    const c = await waitFor('the rate limit notice', async () => {
      const s = await chatState(page);
      return s.notice && s;
    });
    assert.match(c.notice, /^You're sending messages too quickly\. Please wait \d+ seconds?\.$/);
    const last = c.messages[c.messages.length - 1];
    assert.deepEqual([last.text, last.class], ['message 11', 'm v pend'], 'kept, to be sent later');
    const outbox = await page.evaluate((id) => JSON.parse(localStorage.getItem(`presenza:${id}`)).o, site.id);
    assert.deepEqual(outbox.map((m) => m.t), ['message 11']);
    assert.equal((await giulia.messages((await listed(giulia)).id)).length, 10);
  });
});

test('long messages: characters left near the limit, too long is refused before sending', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  await withPage('long', demoUrl(site.id, { theme: 'dark' }), async (page) => {
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    const composer = page.locator('presenza-widget #f');
    const counter = page.locator('presenza-widget #cn');
    await composer.fill('a'.repeat(1700));
    assert.equal(await counter.textContent(), '');
    await composer.fill('a'.repeat(1950));
    assert.equal(await counter.textContent(), '50 characters left');
    // Shift+Enter is a new line, not a send.
    await composer.press('Shift+Enter');
    assert.equal((await composer.inputValue()).length, 1951);
    await composer.fill('é'.repeat(2003));
    assert.equal(await counter.textContent(), '3 characters too many');
    await composer.press('Enter');
    const c = await chatState(page);
    assert.equal(c.notice, 'Your message is too long: at most 2000 characters.');
    assert.deepEqual(c.messages, []);
  });
});

/** WCAG contrast of two computed colours "rgb(r, g, b)". */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c
      .match(/\d+(\.\d+)?/g)
      .slice(0, 3)
      .map(Number)
      .map((v) => {
        v /= 255;
        return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test('the chat reads well in light and dark mode: contrast at least 4.5:1', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('busy', 'Back soon');
  for (const scheme of ['light', 'dark']) {
    await withPage(
      `contrast-${scheme}`,
      demoUrl(site.id),
      async (page) => {
        await waitForStatus(page, 'busy');
        await openChat(page, 'chat');
        await say(page, 'Hello');
        const conv = await listed(giulia, (c) => c.last_message.from !== 'agent');
        await giulia.reply(conv.id, 'Hi there');
        await waitFor('the reply', async () => (await chatState(page)).messages.length === 3);
        await page.locator('presenza-widget #f').fill('é'.repeat(2001));
        await page.locator('presenza-widget #f').press('Enter');
        await page.keyboard.press('Escape');
        await giulia.reply(conv.id, 'Still there?');
        await waitFor('the badge', async () => (await chatState(page)).badge === '1');
        await openChat(page);
        const pairs = await page.evaluate(() => {
          const r = document.querySelector('presenza-widget').shadowRoot;
          const cs = (el) => getComputedStyle(el);
          const panel = cs(r.getElementById('p')).backgroundColor;
          const [v, s, a] = ['.v', '.s', '.a'].map((c) => r.querySelector(`#g ${c} .bt`));
          return {
            visitor: [cs(v).color, cs(v).backgroundColor],
            agent: [cs(a).color, cs(a).backgroundColor],
            system: [cs(s).color, panel],
            who: [cs(r.querySelector('#g .a .who')).color, panel],
            time: [cs(r.querySelector('#g .at')).color, panel],
            error: [cs(r.getElementById('ce')).color, panel],
            counter: [cs(r.getElementById('cn')).color, panel],
            composer: [cs(r.getElementById('f')).color, cs(r.getElementById('f')).backgroundColor],
            send: [cs(r.querySelector('.snd')).color, cs(r.querySelector('.snd')).backgroundColor],
            badge: [cs(r.getElementById('u')).color, cs(r.getElementById('u')).backgroundColor],
          };
        });
        for (const [what, [fg, bg]] of Object.entries(pairs)) {
          assert.ok(contrast(fg, bg) >= 4.5, `${scheme} ${what}: ${contrast(fg, bg).toFixed(2)} (${fg} on ${bg})`);
        }
        const dark = pairs.agent[1].match(/\d+/g).slice(0, 3).every((x) => Number(x) < 80);
        assert.equal(dark, scheme === 'dark');
      },
      { colorScheme: scheme },
    );
  }
  // The offline form and its confirmation, in both schemes.
  await giulia.status('offline');
  for (const scheme of ['light', 'dark']) {
    await withPage(
      `contrast-form-${scheme}`,
      demoUrl(site.id),
      async (page) => {
        await waitForStatus(page, 'offline');
        await openChat(page, 'form');
        await page.locator('presenza-widget #lf button').click();
        const pairs = await page.evaluate(() => {
          const r = document.querySelector('presenza-widget').shadowRoot;
          const cs = (el) => getComputedStyle(el);
          const panel = cs(r.getElementById('p')).backgroundColor;
          return {
            label: [cs(r.querySelector('#lf label')).color, panel],
            error: [cs(r.getElementById('en')).color, panel],
            button: [cs(r.querySelector('#lf button')).color, cs(r.querySelector('#lf button')).backgroundColor],
          };
        });
        await page.locator('presenza-widget #lf [name=n]').fill('Ada');
        await page.locator('presenza-widget #lf [name=e]').fill('ada@example.com');
        await page.locator('presenza-widget #lf [name=m]').fill('Hello');
        await page.locator('presenza-widget #lf button').click();
        await waitFor('the confirmation', async () => (await chatState(page)).confirmation);
        pairs.confirmation = await page.evaluate(() => {
          const ok = document.querySelector('presenza-widget').shadowRoot.getElementById('ok');
          return [getComputedStyle(ok).color, getComputedStyle(ok).backgroundColor];
        });
        for (const [what, [fg, bg]] of Object.entries(pairs)) {
          assert.ok(contrast(fg, bg) >= 4.5, `${scheme} ${what}: ${contrast(fg, bg).toFixed(2)} (${fg} on ${bg})`);
        }
      },
      { colorScheme: scheme },
    );
  }
});

test('the hosted chat page (the fallback where Wasm is forbidden) writes and reads the conversation', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  const page$ = (page) => ({
    log: () =>
      page.evaluate(() =>
        [...document.querySelectorAll('#log .m')].map((m) => [m.className, m.querySelector('p').textContent]),
      ),
  });
  await withPage('hosted-online', `${BASE}/chat.html?site=${site.id}`, async (page) => {
    await waitFor('the status', async () => (await page.textContent('#state')) === 'Online');
    assert.equal(await page.isVisible('#contact'), false, 'online: no contact needed');
    await page.fill('#msg', 'Hello from the hosted page');
    await page.press('#msg', 'Enter');
    await waitFor('the ack', async () => (await page$(page).log()).some(([c, t]) => c === 'm v' && t === 'Hello from the hosted page'));
    const conv = await listed(giulia);
    const xss = '<img src=x onerror=alert(1)> ok';
    await giulia.reply(conv.id, xss);
    await waitFor('the reply', async () => (await page$(page).log()).some(([c, t]) => c === 'm a' && t === xss));
    assert.equal(await page.locator('#log img').count(), 0);
    assert.deepEqual(page.dialogs, []);
    // A reload keeps the conversation.
    await page.reload();
    await waitFor('the history', async () => (await page$(page).log()).length === 2);
    // Closed by the agent: the note (by the message's kind, unlabelled), and
    // the next message starts a new conversation whose replies show.
    const closed = await api('POST', `/v1/sites/${site.id}/conversations/${conv.id}/close`, giulia.token);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    await waitFor('the closed note', async () => (await page.textContent('#ok')).includes('This conversation is closed'));
    await waitFor('the close message', async () => (await page$(page).log()).length === 3);
    assert.ok(!(await page.textContent('#log .m.s small')).includes('Automatic reply'), 'no auto-reply label on a close');
    // A reply reopens it: the note goes, the reply follows.
    await giulia.reply(conv.id, 'One more thing: it ships today.');
    await waitFor('the reply after the close', async () => (await page$(page).log())[3]?.[1] === 'One more thing: it ships today.');
    await waitFor('the note gone', async () => (await page.textContent('#ok')) === '');
    await api('POST', `/v1/sites/${site.id}/conversations/${conv.id}/close`, giulia.token);
    await waitFor('the note again', async () => (await page.textContent('#ok')).includes('This conversation is closed'));
    await page.fill('#msg', 'A new question');
    await page.press('#msg', 'Enter');
    await waitFor('the ack in the new conversation', async () => {
      const log = await page$(page).log();
      return log.length === 6 && log[5][0] === 'm v' && log[5][1] === 'A new question';
    });
    assert.equal(await page.textContent('#ok'), '', 'the note goes');
    const second = await listed(giulia, (c) => c.id !== conv.id);
    assert.equal(second.last_seq, 1);
    await giulia.reply(second.id, 'Sure, ask away.');
    await waitFor('the reply in the new conversation', async () => (await page$(page).log())[6]?.[1] === 'Sure, ask away.');
  });
  await giulia.status('offline');
  await withPage('hosted-offline', `${BASE}/chat.html?site=${site.id}`, async (page) => {
    await waitFor('offline', async () => (await page.textContent('#state')).startsWith('Offline'));
    await waitFor('the contact fields', () => page.isVisible('#contact'));
    await page.click('button[type=submit]');
    assert.equal(await page.textContent('#name-err'), 'Please enter your name.');
    assert.equal(await page.getAttribute('#email', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'name');
    await page.fill('#name', 'Ada');
    await page.fill('#email', 'ada@example.com');
    await page.fill('#msg', 'Please call me back');
    await page.click('button[type=submit]');
    await waitFor('the confirmation', async () => (await page.textContent('#ok')).startsWith('Thanks, Ada!'));
    const conv = await listed(giulia, (c) => c.visitor.name === 'Ada');
    assert.equal(conv.waiting, true);
    assert.equal(conv.visitor.email, 'ada@example.com');
  });
});

test('the hosted chat page speaks the visitor\'s language as the widget does: lang, direction, every text from the widget\'s files', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('busy');
  // The widget's own files are the texts' one source (no copy here either).
  const file = (p) => JSON.parse(readFileSync(new URL(`../../widget/i18n/${p}.json`, import.meta.url), 'utf8'));
  const words = (code) => ({ ...file(code), ...file(`chat/${code}`) });
  const [it, en, cs, de] = ['it', 'en', 'cs', 'de'].map(words);
  const texts = (page) =>
    page.evaluate(() => ({
      lang: document.documentElement.lang,
      dir: document.documentElement.dir,
      title: document.getElementById('title').textContent,
      state: document.getElementById('state').textContent,
      lead: document.getElementById('lead').textContent,
      log: document.getElementById('log').getAttribute('aria-label'),
      message: document.querySelector('label[for=msg]').textContent,
      send: document.querySelector('button[type=submit]').textContent,
    }));
  const url = `${BASE}/chat.html?site=${site.id}`;

  // An Italian browser: Italian everywhere, and the site's default busy
  // reply (stored in English) in Italian too.
  await withPage(
    'hosted-italian',
    url,
    async (page) => {
      await waitFor('the status', async () => (await page.textContent('#state')) === it.status_busy);
      assert.deepEqual(await texts(page), {
        lang: 'it-IT', dir: 'ltr', title: it.busy, state: it.status_busy, lead: it.intro_busy,
        log: it.log_label, message: it.message, send: it.send,
      });
      await page.fill('#msg', 'Ciao, avete la moka da 3?');
      await page.press('#msg', 'Enter');
      const bubbles = () =>
        page.evaluate(() => [...document.querySelectorAll('#log .m')].map((m) => [m.querySelector('p').textContent, m.querySelector('small').textContent]));
      const log = await waitFor('the automatic reply', async () => ((await bubbles()).length === 2 ? bubbles() : null));
      assert.equal(log[0][0], 'Ciao, avete la moka da 3?');
      assert.ok(log[0][1].startsWith(it.you + ' \u00b7 '), log[0][1]);
      assert.equal(log[1][0], it.busy_reply);
      assert.ok(log[1][1].startsWith(it.auto_reply + ' \u00b7 '), log[1][1]);
      assert.equal(await page.title(), it.busy);
      assert.deepEqual(page.noise, []);
      assert.deepEqual(await axeViolations(page), [], 'WCAG 2.2 AA in Italian');
    },
    { locale: 'it-IT' },
  );

  // A language the widget does not have: English.
  await withPage('hosted-japanese', url, async (page) => {
    await waitFor('the status', async () => (await page.textContent('#state')) === en.status_busy);
    assert.deepEqual(await texts(page), {
      lang: 'en', dir: 'ltr', title: en.busy, state: en.status_busy, lead: en.intro_busy,
      log: en.log_label, message: en.message, send: en.send,
    });
  }, { locale: 'ja-JP' });

  // The site's language beats the browser's, its texts beat the files; the
  // page's own choice (`?lang=`, as `presenza('language')`) beats both.
  await site.settings({ widget: { language: 'cs', texts: { '*': { send: 'Go!' }, cs: { send: 'Poslat!' } } } });
  await giulia.status('online');
  await withPage('hosted-site-language', url, async (page) => {
    await waitFor('the status', async () => (await page.textContent('#state')) === cs.status_online);
    assert.deepEqual(await texts(page), {
      lang: 'cs', dir: 'ltr', title: cs.online, state: cs.status_online, lead: cs.intro_online,
      log: cs.log_label, message: cs.message, send: 'Poslat!',
    });
  }, { locale: 'it-IT' });
  await withPage('hosted-page-language', `${url}&lang=de`, async (page) => {
    await waitFor('the status', async () => (await page.textContent('#state')) === de.status_online);
    assert.deepEqual(await texts(page), {
      lang: 'de', dir: 'ltr', title: de.online, state: de.status_online, lead: de.intro_online,
      log: de.log_label, message: de.message, send: 'Go!',
    });
  }, { locale: 'it-IT' });
});

test('closed by the agent: the visitor sees the note, a reply reopens it, and writing again starts a new conversation', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  await withPage('closed', demoUrl(site.id), async (page) => {
    await waitForStatus(page, 'online');
    await openChat(page, 'chat');
    await say(page, 'Can I pick up the order at the shop?');
    const first = await listed(giulia);
    await giulia.reply(first.id, 'Yes, any day from 9.');
    await waitFor('the reply', async () => (await chatState(page)).messages.length === 2);

    // The agent closes it through the API: the system message and the
    // closed note reach the visitor live.
    const closed = await api('POST', `/v1/sites/${site.id}/conversations/${first.id}/close`, giulia.token);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.conversation.state, 'closed');
    let c = await waitFor('the closed note', async () => {
      const s = await chatState(page);
      return s.messages.length === 3 && s.confirmation !== '' && s;
    });
    assert.deepEqual(
      { class: c.messages[2].class, who: c.messages[2].who, text: c.messages[2].text },
      { class: 'm s', who: '', text: 'Conversation closed by Giulia.' },
    );
    assert.equal(c.confirmation, 'This conversation is closed. Write to start a new one.');
    assert.equal(c.mode, 'chat', 'the composer stays');
    assert.deepEqual(await giulia.conversations(), [], 'out of the open inbox');

    // The agent replies into the closed conversation: it reopens, the note
    // goes and the reply follows in the same conversation.
    await giulia.reply(first.id, 'Saturdays too, from 10.');
    c = await waitFor('the reply after the close', async () => {
      const s = await chatState(page);
      return s.messages.length === 4 && s.confirmation === '' && s;
    });
    assert.deepEqual(
      { class: c.messages[3].class, text: c.messages[3].text },
      { class: 'm a', text: 'Saturdays too, from 10.' },
    );
    assert.equal(c.messages[2].text, 'Conversation closed by Giulia.', 'the close stays in the history');
    assert.equal((await listed(giulia)).id, first.id, 'open again');
    const reclosed = await api('POST', `/v1/sites/${site.id}/conversations/${first.id}/close`, giulia.token);
    assert.equal(reclosed.status, 200, JSON.stringify(reclosed.body));
    await waitFor('the closed note again', async () => {
      const s = await chatState(page);
      return s.messages.length === 5 && s.confirmation !== '';
    });

    // The visitor writes again: a new conversation (the old one stays above).
    c = await say(page, 'One more question: do you ship to Austria?');
    assert.equal(c.confirmation, '', 'open again');
    assert.equal(c.messages.length, 6);
    const second = await listed(giulia);
    assert.notEqual(second.id, first.id, 'a new conversation id');
    assert.equal(second.state, 'open');
    assert.equal(second.last_message.text, 'One more question: do you ship to Austria?');
    assert.equal(second.last_seq, 1, 'numbered from 1');
    // Now a reply into the first one conflicts and stores nothing.
    const late = await api('POST', `/v1/sites/${site.id}/conversations/${first.id}/messages`, giulia.token, {
      client_id: 'late_1',
      text: 'Too late',
    });
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.equal(late.body.error.code, 'conversation_conflict');
    // Replies of the new conversation show, from seq 1 on.
    await giulia.reply(second.id, 'We do, in 3 days.');
    c = await waitFor('the reply in the new conversation', async () => {
      const s = await chatState(page);
      return s.messages.length === 7 && s;
    });
    assert.equal(c.messages[6].text, 'We do, in 3 days.');
    assert.ok(!c.messages.some((m) => m.text === 'Too late'), 'the refused reply never shows');
    assert.deepEqual(page.noise, [], 'no console noise');
  });
});
