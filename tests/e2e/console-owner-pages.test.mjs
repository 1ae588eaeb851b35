// The owner's Webhooks page (issue 15, item 4) in Chromium: an endpoint
// added from the console with its events and format, a signing secret made
// and shown once, a real receiver on loopback (a node http server in this
// test) that gets a delivery signed with that secret after an agent's
// status changes, the endpoint's last result shown in the console, an
// endpoint changed and removed; on desktop and on a 390×844 phone (nothing
// scrolls sideways), with no WCAG 2.2 AA violation (axe-core), light and
// dark. And the limits and retention of the Settings page (issue 11): the
// stored values, a wrong one refused next to its field in the owner's
// words, the right ones saved.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import {
  DESKTOP, PHONE, api, axeViolations, createSite, scenario as sharedScenario, sharedBrowser, signIn, waitFor,
} from './console-lib.mjs';

const shared = sharedBrowser('console-owner-pages');
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

/** A webhook receiver on loopback: `{ url, received: [{headers, body}], close() }`; answers 200. */
async function receiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Opens the Webhooks page and waits until it is loaded. */
async function openWebhooks(page) {
  await page.click('nav.tabs .tab[data-page=webhooks]');
  await page.waitForSelector('form[data-action=webhook-add]');
}

test('the Webhooks page adds an endpoint, shows its signed delivery\'s result, changes and removes it', { timeout: 120_000 }, () =>
  scenario('webhooks', async ({ pages, open }) => {
    const rx = await receiver();
    try {
      const s = await createSite();
      const ann = await s.agent('ann', 'Ann Lee');
      const page = await signIn(await open(DESKTOP), s.site, s.owner);
      pages.push(page);
      await openWebhooks(page);
      assert.equal(await page.textContent('.page-inner h1'), 'Webhooks');

      // The owner's words before the edge is asked: no event chosen.
      const add = 'form[data-action=webhook-add]';
      await page.fill(`${add} input[name=url]`, rx.url);
      await page.click(`${add} button[type=submit]`);
      await page.waitForSelector(`${add} .error`);
      assert.equal(await page.textContent(`${add} .error`), 'Choose at least one event to send.');

      await page.check(`${add} input[value=status_changed]`);
      await page.click(`${add} button[type=submit]`);
      await page.waitForSelector('li[data-webhook]');
      const row = 'li[data-webhook]';
      assert.equal(await page.textContent(`${add} .ok`), 'Endpoint added.');
      assert.equal(await page.inputValue(`${add} input[name=url]`), '', 'the new-endpoint form is empty again');
      assert.equal(await page.inputValue(`${row} input[name=url]`), rx.url);
      assert.equal(await page.isChecked(`${row} input[value=status_changed]`), true);
      assert.equal(await page.isChecked(`${row} input[value=message_left]`), false);
      assert.equal(await page.inputValue(`${row} select[name=format]`), 'json');
      assert.match(await page.textContent(`${row} .webhook-last`), /Nothing sent yet/);
      const stored = (await api('GET', `/v1/sites/${s.site}/webhooks`, s.owner)).body;
      assert.deepEqual(stored.endpoints.map((e) => [e.url, e.events, e.format]), [[rx.url, ['status_changed'], 'json']]);

      // The signing secret, shown once with Copy.
      await page.click('button[data-action=webhook-secret]');
      await page.waitForSelector('#new-token-value');
      const secret = (await page.textContent('#new-token-value')).trim();
      assert.ok(secret.length >= 32, secret);
      assert.equal(await page.textContent('#new-token button[data-action=copy]'), 'Copy');
      await page.click('#new-token button[data-action=dismiss-token]');
      assert.equal(await page.$('#new-token'), null, 'hidden once dismissed');
      // A secret exists now: a new one needs a second click.
      assert.equal(await page.textContent('button[data-action=confirm][data-key=webhook-secret]'), 'New secret');

      // An agent comes online: the site's status changes, the receiver
      // gets a delivery signed with that secret.
      const r = await api('PUT', `/v1/sites/${s.site}/agents/me/status`, ann, { status: 'online' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await waitFor('a delivery', () => rx.received.length > 0, 15_000);
      const [delivery] = rx.received;
      const body = JSON.parse(delivery.body);
      assert.equal(body.event, 'status_changed');
      assert.equal(body.site, s.site);
      const [t, v1] = delivery.headers['presenza-signature'].split(',v1=');
      const expected = createHmac('sha256', secret).update(`${t.replace('t=', '')}.${delivery.body}`).digest('hex');
      assert.equal(v1, expected, 'signed with the secret the console showed');

      // The console shows the last result ("Check again" asks anew).
      await waitFor('the result in the console', async () => {
        await page.click('button[data-action=webhooks-reload]');
        await page.waitForTimeout(200);
        return /Delivered .*\(200\)/.test(await page.textContent(`${row} .webhook-last`));
      }, 15_000, 300);
      assert.ok((await page.getAttribute(`${row} .webhook-last`, 'class')).split(' ').includes('ok'), 'shown as a success');

      // Changed: Slack format and one more event, in place.
      await page.selectOption(`${row} select[name=format]`, 'slack');
      await page.check(`${row} input[value=message_left]`);
      await page.click(`${row} button[type=submit]`);
      await page.waitForSelector(`${row} .ok`);
      const changed = (await api('GET', `/v1/sites/${s.site}/webhooks`, s.owner)).body.endpoints;
      assert.deepEqual(changed.map((e) => [e.url, e.events, e.format]), [[rx.url, ['status_changed', 'message_left'], 'slack']]);
      assert.match(await page.textContent(`${row} .webhook-last`), /Delivered/, 'same URL: the last result stays');

      // Removed, after a second click.
      await page.click(`${row} button[data-action=confirm]`);
      await page.click(`${row} button[data-action=remove-webhook]`);
      await page.waitForSelector('text=No endpoints yet.');
      assert.equal(await page.textContent('.page-inner > p.ok'), 'Endpoint removed.');
      assert.deepEqual((await api('GET', `/v1/sites/${s.site}/webhooks`, s.owner)).body.endpoints, []);
    } finally {
      await rx.close();
    }
  }));

test('the Webhooks page fits a phone and passes an accessibility audit (axe-core, WCAG 2.2 AA), light and dark', { timeout: 90_000 }, () =>
  scenario('webhooks-axe', async ({ pages, open }) => {
    const s = await createSite();
    const put = await api('PUT', `/v1/sites/${s.site}/webhooks`, s.owner, {
      endpoints: [
        { url: 'https://hooks.example.com/presenza/a-rather-long-path/that-must-wrap-on-a-phone', events: ['status_changed', 'message_left'], format: 'json' },
        { url: 'https://hooks.slack.com/services/T000/B000/XXXX', events: ['alert_opened', 'alert_closed'], format: 'slack' },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    for (const colorScheme of ['light', 'dark']) {
      for (const options of [DESKTOP, PHONE]) {
        const page = await signIn(await open({ ...options, colorScheme }), s.site, s.owner);
        pages.push(page);
        await openWebhooks(page);
        await page.waitForSelector('li[data-webhook]');
        assert.equal(await page.$$eval('li[data-webhook]', (rows) => rows.length), 2);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
        assert.equal(sideways, false, `${colorScheme} ${options.viewport.width}: nothing scrolls sideways`);
        // The secret panel too (a new one after the first page made one:
        // two clicks).
        const armed = 'button[data-action=confirm][data-key=webhook-secret]';
        if (await page.$(armed)) await page.click(armed);
        await page.click('button[data-action=webhook-secret]');
        await page.waitForSelector('#new-token-value');
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${colorScheme} ${options.viewport.width}: ${JSON.stringify(violations, null, 1)}`);
      }
    }
  }));

test('Settings show the limits and retention, refuse a wrong one next to its field in the owner\'s words, and save the right ones', { timeout: 120_000 }, () =>
  scenario('limits', async ({ pages, open }) => {
    const s = await createSite();
    const settingsOf = async () => (await api('GET', `/v1/sites/${s.site}/settings`, s.owner)).body;
    const before = await settingsOf();
    for (const colorScheme of ['light', 'dark']) {
      for (const [name, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
        const label = `${colorScheme} ${name}`;
        const page = await signIn(await open({ ...options, colorScheme }), s.site, s.owner);
        pages.push(page);
        await page.click('nav.tabs .tab[data-page=settings]');
        await page.waitForSelector('#limit-history_days');
        const shown = await page.$$eval('.field input', (inputs) => Object.fromEntries(inputs.map((i) => [i.name, i.value])));
        const now = await settingsOf();
        assert.deepEqual(shown, {
          sockets_per_address: String(now.limits.sockets_per_address),
          conversations_per_address: String(now.limits.conversations_per_address),
          conversations_per_minute: String(now.limits.conversations_per_minute),
          retention_days: String(now.retention_days),
          history_days: String(now.history_days),
        }, label);

        // Out of bounds: said next to the field, which gets the focus;
        // nothing is saved.
        await page.fill('#limit-history_days', '400');
        await page.click('#settings-form button[type=submit]');
        await page.waitForSelector('#limit-history_days-error');
        assert.equal(await page.textContent('#limit-history_days-error'),
          'Keep the status history for (days): give a whole number from 1 to 365 days.', label);
        assert.equal(await page.getAttribute('#limit-history_days', 'aria-invalid'), '', label);
        assert.match(await page.getAttribute('#limit-history_days', 'aria-describedby'), /limit-history_days-error/, label);
        assert.equal(await page.evaluate(() => document.activeElement.id), 'limit-history_days', label);
        assert.equal((await settingsOf()).history_days, now.history_days, `${label}: nothing saved`);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
        assert.equal(sideways, false, `${label}: nothing scrolls sideways`);
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 1)}`);
      }
    }

    // The right ones are saved.
    const page = pages[0];
    await page.fill('#limit-history_days', '60');
    await page.fill('#limit-retention_days', '30');
    await page.fill('#limit-conversations_per_address', '5');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .actions .ok');
    assert.equal(await page.$('#limit-history_days-error'), null);
    const after = await settingsOf();
    assert.deepEqual([after.history_days, after.retention_days, after.limits.conversations_per_address], [60, 30, 5]);
    assert.equal(after.limits.sockets_per_address, before.limits.sockets_per_address, 'the others as they were');
    assert.equal(await page.inputValue('#limit-retention_days'), '30');
  }));

test('the browser\'s Back and Forward go between the inbox and the owner\'s pages; the open status menu passes axe', { timeout: 120_000 }, () =>
  scenario('back-and-menu', async ({ pages, open }) => {
    const s = await createSite();
    const made = await api('PUT', `/v1/sites/${s.site}/owner-agent`, s.owner, { name: 'Olga', groups: [] });
    assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made));
    const page = await signIn(await open(DESKTOP), s.site, s.owner);
    pages.push(page);
    await page.click('nav.tabs .tab[data-page=settings]');
    await page.waitForSelector('.owner-shell #inbox-link:not([hidden])');
    await page.click('#inbox-link');
    await page.waitForSelector('.agent-shell #conn[data-state=live]');
    assert.equal(new URL(page.url()).hash, '#inbox');

    // Back: the settings page again; Forward: the inbox; the agent's
    // session stays on through both.
    await page.goBack();
    await page.waitForSelector('.owner-shell #page .page-inner h1 >> text=Settings');
    assert.equal(new URL(page.url()).hash, '#settings');
    await page.goForward();
    await page.waitForSelector('.agent-shell #conn[data-state=live]');
    // And from the inbox to the owner's pages by its own button, Back
    // returns to the inbox.
    await page.click('[data-action=owner-pages]');
    await page.waitForSelector('.owner-shell #page .page-inner h1 >> text=Settings');
    await page.goBack();
    await page.waitForSelector('.agent-shell #conn[data-state=live]');
    assert.equal(new URL(page.url()).hash, '#inbox');

    // The status menu open: only menu items in its menus (the busy
    // fields after them), light and dark.
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      await page.click('#avatar');
      await page.waitForSelector('#status-menu:not([hidden])');
      assert.equal(await page.$$eval('#status-menu [role=menu] input', (i) => i.length), 0, 'no field inside a menu');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}: ${JSON.stringify(violations, null, 1)}`);
      // Busy with a message, from the fields after the menu.
      await page.fill('#status-menu [name=busy-message]', 'At lunch');
      await page.click('#status-menu [role=menuitemradio][data-status=busy]');
      await page.waitForSelector('#status-menu[hidden]', { state: 'attached' });
      await waitFor('busy', async () => /Busy · At lunch/.test(await page.textContent('#me-status')));
    }
  }));
