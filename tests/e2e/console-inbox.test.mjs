// The console's inbox in a real browser against the real edge, with real
// conversations: visitors write through the HTTP visitor API, agents read
// and reply in the console, and the visitor side is checked over the API.
//
// Covered: live arrival with unread counts, the tab title and notifications
// of a background tab, Enter / Shift+Enter, replies reaching the visitor,
// offline left messages first with the waiting badge, two devices of one
// agent sharing read marks, text never run as HTML, groups, the outbox
// (kept across a reload, sent again once after a reconnect, over HTTP while
// the socket is down), refused replies, closing and reopening (Open / Closed
// tabs followed live by a second console of the agent, read-only while
// closed, a reopen refused with 409 explained) and the list's pages of 100
// with Load more.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, PHONE, api, createSite, scenario, sharedBrowser, signIn, visitor, waitFor,
} from './console-lib.mjs';

const shared = sharedBrowser('console');
const run = (name, body) => scenario(shared.browser(), name, body);

/** Records notifications (and says they are allowed) instead of showing them. */
async function recordNotifications(ctx) {
  await ctx.addInitScript(() => {
    window.__notifications = [];
    window.Notification = class {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title, options) { window.__notifications.push({ title, body: options?.body }); }
    };
  });
}

/** Makes the page believe it is hidden (or visible again). */
function setHidden(page, hidden) {
  return page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Signs in and waits for the live socket and the loaded list. */
async function agentPage(ctx, site, token) {
  const page = await signIn(ctx, site, token);
  await page.waitForSelector('#conn[data-state=live]');
  await page.waitForSelector('.inbox .conversations, .inbox .empty-title');
  return page;
}

const item = (cid) => `.conversation[data-id="${cid}"]`;

/** The inbox as the edge lists it for `token`. */
async function edgeInbox(site, token) {
  const r = await api('GET', `/v1/sites/${site}/conversations`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.conversations;
}

/** Conversation ids in the order the console lists them. */
const listed = (page) => page.$$eval('.conversations .conversation', (els) => els.map((e) => e.dataset.id));

test('a visitor message arrives live with unread 1; Enter sends the reply to the visitor; a background tab gets a count and a notification', { timeout: 60_000 }, () =>
  run('live', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const ctx = await open(DESKTOP);
    await recordNotifications(ctx);
    const page = await agentPage(ctx, s.site, token);
    pages.push(page);
    assert.equal(await page.title(), 'Presenza console');

    const eva = visitor(s.site);
    const { conversation_id: evaId } = await eva.say('Do you ship abroad?', { name: 'Eva Novak', email: 'eva@example.com' });
    await page.waitForSelector(`${item(evaId)}[data-unread="1"][data-waiting=true]`);
    assert.equal(await page.textContent(`${item(evaId)} .conv-name`), 'Eva Novak');
    assert.equal(await page.textContent(`${item(evaId)} .conv-email`), 'eva@example.com');
    assert.equal(await page.textContent(`${item(evaId)} .conv-preview`), 'Do you ship abroad?');
    assert.equal(await page.textContent(`${item(evaId)} .badge`), '1');
    assert.equal(await page.textContent(`${item(evaId)} .tag.waiting`), 'Waiting');
    assert.equal(await page.textContent('.inbox-head .badge'), '1');
    assert.equal(await page.title(), '(1) Presenza console');
    // A visible tab is not notified.
    assert.deepEqual(await page.evaluate(() => window.__notifications), []);

    // In the background: the count in the title and a notification.
    await setHidden(page, true);
    const tom = visitor(s.site);
    const { conversation_id: tomId } = await tom.say('Hello?');
    await waitFor('the title to count it', async () => (await page.title()) === '(2) Presenza console');
    assert.deepEqual(await page.evaluate(() => window.__notifications), [
      { title: `New message from ${tom.placeholder}`, body: 'Hello?' },
    ]);
    // Waiting conversations, most recent first.
    assert.deepEqual(await listed(page), [tomId, evaId]);

    // In front again; opening Eva's conversation loads it and reads it.
    await setHidden(page, false);
    await page.click(item(evaId));
    await page.waitForSelector('.conversation-view h2 >> text=Eva Novak');
    assert.equal(await page.textContent('.messages .from-visitor .message-text'), 'Do you ship abroad?');
    await page.waitForSelector(`${item(evaId)}[data-unread="0"]`);
    await waitFor('the title to count one', async () => (await page.title()) === '(1) Presenza console');
    await waitFor('the edge to know it is read', async () =>
      (await edgeInbox(s.site, token)).find((c) => c.id === evaId)?.unread === 0);
    // The reply box has the caret; Shift+Enter adds a line, Enter sends.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'reply-text');
    await page.keyboard.type('Yes, we ship to the EU.');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('And beyond.');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.messages .from-agent[data-state=sent]');
    assert.equal(await page.textContent('.messages .from-agent .message-text'), 'Yes, we ship to the EU.\nAnd beyond.');
    assert.equal(await page.inputValue('#reply-text'), '');

    // The visitor receives it.
    const got = await waitFor('the visitor to get the reply', async () => {
      const list = await eva.messages();
      return list.find((m) => m.from === 'agent');
    });
    assert.equal(got.text, 'Yes, we ship to the EU.\nAnd beyond.');
    assert.deepEqual(got.agent, { id: 'ann', name: 'Ann Lee' });
    // Answered: no longer waiting, so below Tom's.
    await page.waitForSelector(`${item(evaId)}[data-waiting=false]`);
    assert.equal(await page.textContent(`${item(evaId)} .conv-preview`), 'You: Yes, we ship to the EU. And beyond.');
    assert.deepEqual(await listed(page), [tomId, evaId]);

    // The visitor answers while the agent looks at the conversation: it
    // appears there and stays read.
    await eva.say('Great, thanks!');
    await page.waitForSelector('.messages .from-visitor >> text=Great, thanks!');
    await waitFor('the edge to know it is read', async () =>
      (await edgeInbox(s.site, token)).find((c) => c.id === evaId)?.unread === 0);
    assert.equal(await page.getAttribute(item(evaId), 'data-unread'), '0');
    assert.equal(await page.title(), '(1) Presenza console');
    // Messages read in order, oldest first.
    const texts = await page.$$eval('.messages .message-text', (els) => els.map((e) => e.textContent));
    assert.deepEqual(texts, ['Do you ship abroad?', 'Yes, we ship to the EU.\nAnd beyond.', 'Great, thanks!']);
    // A reply longer than the edge takes is refused before it is sent.
    await page.fill('#reply-text', 'x'.repeat(2001));
    await page.press('#reply-text', 'Enter');
    await page.waitForSelector('.reply-error >> text=/2001 characters/');
    assert.equal((await page.inputValue('#reply-text')).length, 2001);
  }));

test('an offline message left for an agent who signs in later comes first with the waiting badge', { timeout: 60_000 }, () =>
  run('offline', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('bob', 'Bob Stone');
    await waitFor('visitors see offline', async () => (await s.status()).status === 'offline');

    // Nobody is there: a message needs a name and an e-mail.
    const ada = visitor(s.site);
    const { conversation_id: adaId } = await ada.say('Please call me back about my order.', {
      name: 'Ada Lovelace', email: 'ada@example.com',
    });
    // A newer conversation, already answered over the API.
    const carl = visitor(s.site);
    const { conversation_id: carlId } = await carl.say('Are you open on Sunday?', { name: 'Carl', email: 'carl@example.com' });
    const r = await api('POST', `/v1/sites/${s.site}/conversations/${carlId}/messages`, token, {
      client_id: 'api_1', text: 'No, Monday to Saturday.',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));

    const page = await agentPage(await open(PHONE), s.site, token);
    pages.push(page);
    await page.waitForSelector(item(carlId));
    assert.deepEqual(await listed(page), [adaId, carlId], 'waiting first, even when older');
    assert.equal(await page.getAttribute(item(adaId), 'data-waiting'), 'true');
    assert.equal(await page.textContent(`${item(adaId)} .tag.waiting`), 'Waiting');
    assert.equal(await page.textContent(`${item(adaId)} .conv-name`), 'Ada Lovelace');
    assert.equal(await page.textContent(`${item(adaId)} .conv-email`), 'ada@example.com');
    assert.equal(await page.textContent(`${item(adaId)} .badge`), '1');
    assert.equal(await page.getAttribute(item(carlId), 'data-waiting'), 'false');
    assert.equal(await page.$(`${item(carlId)} .tag.waiting`), null);
    assert.equal(await page.textContent(`${item(carlId)} .conv-preview`), 'You: No, Monday to Saturday.');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));

    // Phone: the conversation replaces the list, and back.
    await page.click(item(adaId));
    await page.waitForSelector('.inbox[data-view=conversation] .conversation-view h2 >> text=Ada Lovelace');
    assert.ok(!(await page.isVisible('.inbox-list')));
    assert.equal(await page.textContent('.pane-email'), 'ada@example.com');
    assert.equal(await page.textContent('.pane-head .tag.waiting'), 'Waiting for a reply');
    assert.equal(await page.textContent('.messages .message-text'), 'Please call me back about my order.');
    assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'reply-text', 'no keyboard popping up');
    await page.fill('#reply-text', 'Hi Ada, calling you in 5 minutes.');
    await page.click('form.reply button[type=submit]');
    await page.waitForSelector('.messages .from-agent[data-state=sent]');
    await waitFor('Ada to get it', async () => (await ada.messages()).some((m) => m.text === 'Hi Ada, calling you in 5 minutes.'));
    await page.click('.pane-head .back');
    await page.waitForSelector('.inbox[data-view=list] .inbox-list');
    await page.waitForSelector(`${item(adaId)}[data-waiting=false][data-unread="0"]`);
  }));

test('two consoles of one agent: reading on one clears the unread count on the other', { timeout: 60_000 }, () =>
  run('two-devices', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('giulia', 'Giulia Rossi');
    const desktop = await agentPage(await open(DESKTOP), s.site, token);
    const phone = await agentPage(await open(PHONE), s.site, token);
    pages.push(desktop, phone);

    const v = visitor(s.site);
    const { conversation_id: cid } = await v.say('Is the blue one in stock?');
    await v.say('Size M please.');
    for (const p of [desktop, phone]) {
      await p.waitForSelector(`${item(cid)}[data-unread="2"]`);
      await waitFor('the title', async () => (await p.title()) === '(2) Presenza console');
    }

    await desktop.click(item(cid));
    await desktop.waitForSelector(`${item(cid)}[data-unread="0"]`);
    // The phone hears of the read mark and clears its count.
    await phone.waitForSelector(`${item(cid)}[data-unread="0"]`, { timeout: 5000 });
    assert.equal(await phone.$(`${item(cid)} .badge`), null);
    assert.equal(await phone.$('.inbox-head .badge'), null);
    await waitFor('the phone title', async () => (await phone.title()) === 'Presenza console');

    // A reply on the desktop shows on the phone, as the agent's own.
    await desktop.fill('#reply-text', 'Yes, M is in stock.');
    await desktop.press('#reply-text', 'Enter');
    await desktop.waitForSelector('.messages .from-agent[data-state=sent]');
    await phone.waitForSelector(`${item(cid)}[data-waiting=false] .conv-preview >> text=You: Yes, M is in stock.`);
    await phone.click(item(cid));
    await phone.waitForSelector('.messages .from-agent >> text=Yes, M is in stock.');
    assert.equal(await phone.textContent('.messages .from-agent .message-meta'), await desktop.textContent('.messages .from-agent .message-meta'));

    // The desktop goes to the background, its conversation still open: a
    // new message stays unread there until the phone reads it.
    await setHidden(desktop, true);
    await phone.click('.pane-head .back');
    await phone.waitForSelector('.inbox[data-view=list]');
    await v.say('And the red one?');
    await desktop.waitForSelector(`${item(cid)}[data-unread="1"]`);
    await phone.waitForSelector(`${item(cid)}[data-unread="1"]`);
    await waitFor('the desktop title', async () => (await desktop.title()) === '(1) Presenza console');
    await phone.click(item(cid));
    await phone.waitForSelector('.messages .from-visitor >> text=And the red one?');
    await desktop.waitForSelector(`${item(cid)}[data-unread="0"]`, { timeout: 5000 });
    await waitFor('the desktop title', async () => (await desktop.title()) === 'Presenza console');
    await waitFor('the edge to know it is read', async () => (await edgeInbox(s.site, token))[0]?.unread === 0);
  }));

test('what visitors write is shown as text and never run', { timeout: 60_000 }, () =>
  run('inert', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const ctx = await open(DESKTOP);
    await recordNotifications(ctx);
    const page = await agentPage(ctx, s.site, token);
    pages.push(page);
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    await page.evaluate(() => {
      window.__ran = [];
      window.alert = (m) => window.__ran.push(String(m));
    });

    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const name = '<b onmouseover=alert(3)>Mallory</b>';
    const v = visitor(s.site);
    await setHidden(page, true);
    const { conversation_id: cid } = await v.say(evil, { name });
    await page.waitForSelector(item(cid));
    await setHidden(page, false);
    assert.equal(await page.textContent(`${item(cid)} .conv-preview`), evil);
    assert.equal(await page.textContent(`${item(cid)} .conv-name`), name);
    await page.click(item(cid));
    await page.waitForSelector('.messages .from-visitor');
    assert.equal(await page.textContent('.messages .from-visitor .message-text'), evil);
    assert.equal(await page.textContent('.conversation-view h2'), name);
    // Visible literally, as typed.
    assert.ok(await page.isVisible(`.messages .message-text >> text=${evil}`));
    // Nothing became markup anywhere in the inbox.
    assert.equal(await page.$$eval('#inbox script, #inbox img, #inbox b', (els) => els.length), 0);
    // The agent's own reply with markup stays text too, at the visitor's end as well.
    await page.fill('#reply-text', '<i>not italic</i>');
    await page.press('#reply-text', 'Enter');
    await page.waitForSelector('.messages .from-agent[data-state=sent]');
    assert.equal(await page.textContent('.messages .from-agent .message-text'), '<i>not italic</i>');
    assert.equal(await page.$$eval('#inbox i', (els) => els.length), 0);
    await waitFor('the visitor to get it', async () => (await v.messages()).some((m) => m.text === '<i>not italic</i>'));
    // The notification of the hidden tab carried the text as text.
    assert.deepEqual(await page.evaluate(() => window.__notifications), [
      { title: `New message from ${name}`, body: evil },
    ]);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(await page.evaluate(() => window.__ran), []);
  }));

test('an agent of one group does not see the conversations of another', { timeout: 60_000 }, () =>
  run('groups', async ({ pages, open }) => {
    const s = await createSite();
    await s.group('sales', 'Sales');
    await s.group('support', 'Support');
    const anna = await s.agent('anna', 'Anna', ['sales']);
    const bert = await s.agent('bert', 'Bert', ['support']);
    const annaPage = await agentPage(await open(DESKTOP), s.site, anna);
    const bertPage = await agentPage(await open(DESKTOP), s.site, bert);
    pages.push(annaPage, bertPage);

    const v1 = visitor(s.site);
    const { conversation_id: supportId } = await v1.say('My parcel is late.', { group: 'support' });
    const v2 = visitor(s.site);
    const { conversation_id: salesId } = await v2.say('Do you do discounts?', { group: 'sales' });
    await bertPage.waitForSelector(`${item(supportId)} .tag.group >> text=support`);
    await annaPage.waitForSelector(`${item(salesId)} .tag.group >> text=sales`);
    await annaPage.waitForTimeout(800);
    assert.deepEqual(await listed(annaPage), [salesId]);
    assert.deepEqual(await listed(bertPage), [supportId]);
    // Not after a reload either, and not through the API.
    await annaPage.reload();
    await annaPage.waitForSelector(item(salesId));
    assert.deepEqual(await listed(annaPage), [salesId]);
    const r = await api('GET', `/v1/sites/${s.site}/conversations/${supportId}/messages`, anna);
    assert.equal(r.status, 404);

    // Moved to the other group while a conversation is open: the reply is
    // refused, shown as not sent, and can be discarded.
    await annaPage.click(item(salesId));
    await annaPage.waitForSelector('.messages .from-visitor');
    const moved = await api('PUT', `/v1/sites/${s.site}/agents/anna`, s.owner, { name: 'Anna', groups: ['support'] });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    await annaPage.fill('#reply-text', 'Let me check.');
    await annaPage.press('#reply-text', 'Enter');
    await annaPage.waitForSelector('.messages .from-agent[data-state=failed] .error >> text=no longer in your inbox');
    assert.ok(await annaPage.isVisible('.messages [data-action=retry-reply]'));
    await annaPage.click('.messages [data-action=discard-reply]');
    await annaPage.waitForSelector('.messages .from-agent', { state: 'detached' });
    assert.deepEqual(await v2.messages().then((m) => m.map((x) => x.from)), ['visitor']);
  }));

test('unacknowledged replies survive a reload and are sent once after the reconnect; HTTP while the socket is down', { timeout: 90_000 }, () =>
  run('outbox', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const ctx = await open(DESKTOP);
    // The device socket, through a proxy: `mode` decides what it does.
    let mode = 'pass';
    let current = null;
    await ctx.routeWebSocket(/\/agents\/me\/session/, (ws) => {
      if (mode === 'refuse') {
        ws.close({ code: 1011, reason: 'down' });
        return;
      }
      const server = ws.connectToServer();
      const dropping = mode === 'drop-replies';
      current = ws;
      ws.onMessage((m) => {
        if (dropping && typeof m === 'string' && m.includes('"type":"reply"')) return;
        server.send(m);
      });
      server.onMessage((m) => ws.send(m));
      server.onClose((code, reason) => ws.close({ code, reason }));
      ws.onClose((code, reason) => server.close({ code, reason }));
    });
    const v = visitor(s.site);
    const { conversation_id: cid } = await v.say('Anyone there?', { name: 'Olga', email: 'olga@example.com' });

    // The first socket loses replies on the way: the reply stays pending,
    // in this tab's sessionStorage.
    mode = 'drop-replies';
    const page = await agentPage(ctx, s.site, token);
    pages.push(page);
    await page.click(item(cid));
    await page.waitForSelector('.messages .from-visitor');
    await page.fill('#reply-text', 'Yes, I am here.');
    await page.press('#reply-text', 'Enter');
    await page.waitForSelector('.messages .from-agent[data-state=pending]');
    const stored = await page.evaluate((site) => JSON.parse(sessionStorage.getItem(`presenza.console.outbox.${site}`)), s.site);
    assert.equal(stored.agent, 'ann');
    assert.deepEqual(stored.replies.map((r) => r.text), ['Yes, I am here.']);
    await page.waitForTimeout(500);
    assert.equal(await page.$('.messages .from-agent[data-state=sent]'), null);
    assert.deepEqual((await v.messages()).map((m) => m.from), ['visitor']);

    // Reloaded with a working socket: the reply is sent again and stored once.
    mode = 'pass';
    await page.reload();
    await page.waitForSelector('#conn[data-state=live]');
    await page.click(item(cid));
    await page.waitForSelector('.messages .from-agent[data-state=sent] >> text=Yes, I am here.');
    await waitFor('the visitor to get it', async () => (await v.messages()).some((m) => m.from === 'agent'));
    assert.equal(await page.evaluate((site) => sessionStorage.getItem(`presenza.console.outbox.${site}`), s.site), null);

    // The socket goes down and stays down: replies go over HTTP.
    mode = 'refuse';
    await current.close({ code: 1011, reason: 'gone' });
    await page.waitForSelector('#conn[data-state=retrying]');
    await page.fill('#reply-text', 'Sent without the socket.');
    await page.press('#reply-text', 'Enter');
    await page.waitForSelector('.messages .from-agent[data-state=sent] >> text=Sent without the socket.');

    // Back: nothing was sent twice.
    mode = 'pass';
    await page.waitForSelector('#conn[data-state=live]', { timeout: 40_000 });
    await page.waitForTimeout(500);
    const agentTexts = (await v.messages()).filter((m) => m.from === 'agent').map((m) => m.text);
    assert.deepEqual(agentTexts, ['Yes, I am here.', 'Sent without the socket.']);
    const texts = await page.$$eval('.messages .message-text', (els) => els.map((e) => e.textContent));
    assert.deepEqual(texts, ['Anyone there?', 'Yes, I am here.', 'Sent without the socket.']);
  }));

/** The conversations of one state as the edge lists them for `token`. */
async function edgeList(site, token, state) {
  const r = await api('GET', `/v1/sites/${site}/conversations?state=${state}`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.conversations.map((c) => c.id);
}

/** Shows the Open or Closed tab and waits for it. */
async function showTab(page, state) {
  await page.click(`#tab-${state}`);
  await page.waitForSelector(`#tab-${state}[aria-selected=true]`);
}

test('closing a conversation on one console moves it to Closed on both; it is read-only until reopened', { timeout: 90_000 }, () =>
  run('close-reopen', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const desktop = await agentPage(await open(DESKTOP), s.site, token);
    const phone = await agentPage(await open(PHONE), s.site, token);
    pages.push(desktop, phone);
    // Tabs: Open shown, Closed reachable; real buttons with roles and labels.
    for (const p of [desktop, phone]) {
      assert.equal(await p.getAttribute('#tab-open', 'aria-selected'), 'true');
      assert.equal(await p.getAttribute('#tab-closed', 'aria-selected'), 'false');
      assert.equal(await p.getAttribute('#tab-closed', 'role'), 'tab');
      assert.equal(await p.$eval('#tab-closed', (e) => e.tagName), 'BUTTON');
      assert.equal(await p.getAttribute('#conversation-list', 'role'), 'tabpanel');
    }

    const v = visitor(s.site);
    const { conversation_id: cid } = await v.say('I need an invoice for order 1042.', { name: 'Ida Berg' });
    const other = visitor(s.site);
    const { conversation_id: otherId } = await other.say('Hi!');
    for (const p of [desktop, phone]) await p.waitForSelector(item(cid));

    // Close it on the desktop.
    await desktop.click(item(cid));
    await desktop.waitForSelector('.conversation-view h2 >> text=Ida Berg');
    await desktop.fill('#reply-text', 'Sent it to you by e-mail.');
    await desktop.press('#reply-text', 'Enter');
    await desktop.waitForSelector('.messages .from-agent[data-state=sent]');
    const close = desktop.locator('.pane-head [data-action=close-thread]');
    assert.equal(await close.textContent(), 'Close');
    assert.equal(await close.getAttribute('aria-label'), 'Close this conversation');
    await close.click();
    await desktop.waitForSelector('.conversation-view[data-state=closed]');
    // It left the open list, and stays in view, read-only, with Reopen.
    await desktop.waitForSelector(item(cid), { state: 'detached' });
    assert.deepEqual(await listed(desktop), [otherId]);
    assert.equal(await desktop.$('#reply-text'), null);
    assert.match(await desktop.textContent('.closed-note'), /Closed by Ann Lee/);
    assert.ok(await desktop.isVisible('.closed-note [data-action=reopen-thread]'));
    assert.equal(await desktop.textContent('.pane-head .tag.tag-closed'), 'Closed');
    assert.equal(await desktop.textContent('.pane-head [data-action=reopen-thread]'), 'Reopen');
    await desktop.waitForSelector('.messages .from-system >> text=Conversation closed by Ann Lee.');
    // The edge and the visitor agree.
    assert.deepEqual(await edgeList(s.site, token, 'closed'), [cid]);
    assert.ok(!(await edgeList(s.site, token, 'open')).includes(cid));
    await waitFor('the visitor to be told', async () =>
      (await v.messages()).some((m) => m.from === 'system' && m.text === 'Conversation closed by Ann Lee.'));

    // The phone follows live: gone from Open, there in Closed.
    await phone.waitForSelector(item(cid), { state: 'detached' });
    assert.deepEqual(await listed(phone), [otherId]);
    await showTab(phone, 'closed');
    await phone.waitForSelector(`${item(cid)}[data-state=closed]`);
    assert.deepEqual(await listed(phone), [cid]);
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    // The desktop's Closed tab lists it too; keyboard: arrows move between tabs.
    await desktop.focus('#tab-open');
    await desktop.keyboard.press('ArrowRight');
    await desktop.waitForSelector('#tab-closed[aria-selected=true]');
    assert.equal(await desktop.evaluate(() => document.activeElement?.id), 'tab-closed');
    await desktop.waitForSelector(item(cid));
    assert.deepEqual(await listed(desktop), [cid]);

    // Reopened on the phone (read-only view there too).
    await phone.click(item(cid));
    await phone.waitForSelector('.conversation-view[data-state=closed] .closed-note');
    assert.equal(await phone.$('#reply-text'), null);
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await phone.click('.closed-note [data-action=reopen-thread]');
    await phone.waitForSelector('.conversation-view[data-state=open] #reply-text');
    // The desktop, on its Closed tab, sees it leave; and in its pane, open again.
    await desktop.waitForSelector(item(cid), { state: 'detached' });
    await desktop.waitForSelector('.conversation-view[data-state=open] #reply-text');
    assert.equal(await desktop.$('.closed-note'), null);
    await showTab(desktop, 'open');
    await desktop.waitForSelector(`${item(cid)}[data-state=open]`);
    assert.deepEqual((await edgeList(s.site, token, 'open')).sort(), [cid, otherId].sort());
    assert.deepEqual(await edgeList(s.site, token, 'closed'), []);

    // Writable again: a reply reaches the visitor.
    await phone.fill('#reply-text', 'Anything else?');
    await phone.click('form.reply button[type=submit]');
    await phone.waitForSelector('.messages .from-agent[data-state=sent] >> text=Anything else?');
    await waitFor('the visitor to get it', async () => (await v.messages()).some((m) => m.text === 'Anything else?'));
  }));

test('reopening a conversation whose visitor has started another one says why', { timeout: 60_000 }, () =>
  run('reopen-conflict', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const v = visitor(s.site);
    // Nobody is online: messages are left with a name and an e-mail.
    const contact = { name: 'Jan', email: 'jan@example.com' };
    const { conversation_id: first } = await v.say('Where is my parcel?', contact);
    const closed = await api('POST', `/v1/sites/${s.site}/conversations/${first}/close`, token);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.conversation.state, 'closed');
    const { conversation_id: second } = await v.say('One more question.', contact);
    assert.notEqual(second, first);

    const page = await agentPage(await open(DESKTOP), s.site, token);
    pages.push(page);
    await page.waitForSelector(item(second));
    assert.deepEqual(await listed(page), [second]);
    await showTab(page, 'closed');
    await page.waitForSelector(item(first));
    await page.click(item(first));
    await page.waitForSelector('.conversation-view[data-state=closed]');
    await page.click('.pane-head [data-action=reopen-thread]');
    await page.waitForSelector('.state-error');
    assert.match(await page.textContent('.state-error'), /started a new conversation/);
    // Still closed, still read-only.
    assert.equal(await page.getAttribute('.conversation-view', 'data-state'), 'closed');
    assert.equal(await page.$('#reply-text'), null);
    const r = await api('POST', `/v1/sites/${s.site}/conversations/${first}/reopen`, token);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'conversation_conflict');
  }));

test('the inbox loads 100 conversations at a time and shows Load more while there are more', { timeout: 120_000 }, () =>
  run('pages', async ({ pages, open }) => {
    const s = await createSite();
    // 102 visitors writing from one address (this test's, like an office's
    // network): the site allows that many new conversations from it.
    await s.settings({ limits: { conversations_per_address: 1000, conversations_per_minute: 1000 } });
    const token = await s.agent('ann', 'Ann Lee');
    const ids = [];
    for (let i = 0; i < 102; i += 6) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(6, 102 - i) }, (_, k) =>
          visitor(s.site).say(`Question ${i + k}`, { name: `Visitor ${i + k}`, email: `v${i + k}@example.com` })),
      );
      ids.push(...batch.map((b) => b.conversation_id));
    }
    const ctx = await open(DESKTOP);
    const asked = [];
    ctx.on('request', (r) => {
      if (/\/conversations\?/.test(r.url())) asked.push(new URL(r.url()).searchParams);
    });
    const page = await agentPage(ctx, s.site, token);
    pages.push(page);
    await page.waitForSelector('#load-more');
    assert.equal((await listed(page)).length, 100);
    assert.equal(asked[0].get('state'), 'open');
    assert.equal(asked[0].get('limit'), '100');
    await page.click('#load-more');
    await page.waitForSelector('#load-more', { state: 'detached' });
    const all = await listed(page);
    assert.equal(all.length, 102);
    assert.deepEqual([...all].sort(), [...ids].sort());
    assert.ok(asked.some((q) => q.get('cursor')), 'the second page asked with the cursor');
  }));
