// The console as a daily tool (issue 14): staying signed in with a device
// credential (listed, revocable), the owner's live team view with "set
// offline", the status bar at every width, "back at" worded as the widget
// words it and never stale, working-hours errors next to their field, the
// site's name, and an accessibility audit (axe-core, WCAG 2.2 A/AA) of
// every console page, light and dark. Two agents, desktop and phone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, BASE, DESKTOP, PHONE, api, axeViolations, createSite, scenario as sharedScenario, sharedBrowser, signIn, visitor, waitFor,
} from './console-lib.mjs';

const shared = sharedBrowser('console-daily');
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

/** Everything this page's origin keeps in web storage. */
const stored = (page) => page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));

test('the agent token is pasted once: the browser stays signed in, lists its devices and signs one out', { timeout: 90_000 }, () =>
  scenario('devices', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const desktopCtx = await open(DESKTOP);
    const desktop = await signIn(desktopCtx, s.site, token);
    const phone = await signIn(await open(PHONE), s.site, token);
    pages.push(desktop, phone);
    for (const p of [desktop, phone]) await p.waitForSelector('#conn[data-state=live]');
    assert.ok(!(await stored(desktop)).includes(token), 'the agent token itself is not kept');

    // A new tab, and the same tab reloaded, sign themselves in.
    const again = await desktopCtx.newPage();
    pages.push(again);
    await again.goto(`${BASE}/console/?site=${s.site}`);
    await again.waitForSelector('#conn[data-state=live]');
    assert.equal(await again.textContent('#me-name'), 'Ann Lee');
    await again.close();

    // The devices: this browser and the phone, one per browser.
    await desktop.click('#avatar');
    await desktop.click('#status-menu [data-action=devices]');
    await desktop.waitForSelector('#devices .device');
    await waitFor('two devices listed', async () => (await desktop.$$('#devices .device')).length === 2);
    assert.match(await desktop.textContent('#devices'), /this browser/);

    // The owner sees one agent online on two devices, live.
    const owner = await signIn(await open(DESKTOP), s.site, s.owner);
    pages.push(owner);
    const row = '.agent-rows .row[data-agent=ann] .row-status';
    await owner.waitForSelector(row);
    await waitFor('2 devices', async () => /2 devices/.test(await owner.textContent(row)), 5000);

    // Signing the phone out from the desktop: the phone is back at sign-in.
    await desktop.click('#devices .device button[data-action=revoke-device]');
    await phone.waitForSelector('#token', { timeout: 5000 });
    assert.match(await phone.textContent('.signin'), /signed out/);
    await waitFor('1 device', async () => /1 device\b/.test(await owner.textContent(row)), 5000);
    await waitFor('one device listed', async () => (await desktop.$$('#devices .device')).length === 1);
  }));

test("the owner's team view is live and sets a forgetful agent offline", { timeout: 60_000 }, () =>
  scenario('team', async ({ pages, open }) => {
    const s = await createSite();
    const annToken = await s.agent('ann', 'Ann Lee');
    await s.agent('bob', 'Bob Stone');
    const owner = await signIn(await open(DESKTOP), s.site, s.owner);
    pages.push(owner);
    const ann = '.agent-rows .row[data-agent=ann]';
    await owner.waitForSelector(`${ann} .row-status[data-status=offline]`);

    const agent = await signIn(await open(PHONE), s.site, annToken);
    pages.push(agent);
    await agent.waitForSelector('#conn[data-state=live]');
    // Without a reload, the owner sees Ann come online on one device.
    await owner.waitForSelector(`${ann} .row-status[data-status=online]`, { timeout: 5000 });
    assert.match(await owner.textContent(`${ann} .row-status`), /Online since .* · 1 device$/);

    await owner.click(`${ann} [data-action=set-offline]`);
    await agent.waitForSelector('#avatar[data-status=offline]', { timeout: 5000 });
    await owner.waitForSelector(`${ann} .row-status[data-status=offline]`, { timeout: 5000 });
    assert.equal(await owner.$(`${ann} [data-action=set-offline]`), null);
  }));

test('the status bar names groups and never clips, on a desktop and a phone', { timeout: 60_000 }, () =>
  scenario('status-bar', async ({ pages, open }) => {
    const s = await createSite();
    await s.group('sales', 'Sales and quotes');
    await s.group('support', 'Customer support');
    await s.group('billing', 'Billing and invoices');
    const token = await s.agent('ann', 'Ann Lee', ['sales', 'support', 'billing']);
    await api('PUT', `/v1/sites/${s.site}/agents/me/status`, token, {
      status: 'busy', message: 'On a long call with a customer', back_at: new Date(Date.now() + 3 * 3600e3).toISOString(),
    });
    for (const [name, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      const page = await signIn(await open(options), s.site, token);
      pages.push(page);
      await page.waitForSelector('#audience [data-audience="group:billing"]');
      const labels = await page.$$eval('#audience .chip-label', (els) => els.map((e) => e.textContent));
      assert.deepEqual(labels.sort(), ['Billing and invoices', 'Customer support', 'Sales and quotes', 'Site'], name);
      const clipped = await page.evaluate(() => {
        const width = window.innerWidth;
        return [...document.querySelectorAll('#audience .chip, #audience .chip *, #me-status')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > width + 1)
          .map((e) => `${e.className}: ${e.textContent}`);
      });
      assert.deepEqual(clipped, [], `${name}: nothing clipped`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), name);
    }
  }));

test('"back at" is worded as the widget words it and drops once passed', { timeout: 60_000 }, () =>
  scenario('back-at', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const page = await signIn(await open(DESKTOP), s.site, token);
    pages.push(page);
    await page.waitForSelector('#conn[data-state=live]');
    const soon = new Date(Date.now() + 4000).toISOString();
    await api('PUT', `/v1/sites/${s.site}/agents/me/status`, token, { status: 'busy', back_at: soon });
    await page.waitForSelector('#avatar[data-status=busy]');
    assert.equal(await page.textContent('#me-status'), 'Busy · back in 1 minute');
    assert.match(await page.textContent('#audience [data-audience=site]'), /back in 1 minute/);
    // Passed: the console says no more than the widget does.
    await waitFor('no stale back time', async () => (await page.textContent('#me-status')) === 'Busy', 12_000);
    await waitFor('chip too', async () => !/back/.test(await page.textContent('#audience [data-audience=site]')), 6000);

    // A later instant, in the widget's words ("back at 3:05 PM" or "back Saturday 8:00 AM").
    const later = Date.now() + 3 * 24 * 3600e3;
    await api('PUT', `/v1/sites/${s.site}/agents/me/status`, token, { status: 'busy', back_at: new Date(later).toISOString() });
    const expected = await page.evaluate((at) => {
      const d = new Date(at);
      const time = d.toLocaleTimeString('en', { hour: 'numeric', minute: '2-digit' });
      return `Busy · back ${d.toLocaleDateString('en', { weekday: 'long' })} ${time}`;
    }, later);
    await waitFor('weekday wording', async () => (await page.textContent('#me-status')) === expected, 5000);
  }));

test('working-hours errors are in the owner\'s words next to the day; the embed snippet and the site name', { timeout: 60_000 }, () =>
  scenario('hours-errors', async ({ pages, open }) => {
    const s = await createSite();
    await s.settings({ name: 'Bottega Rossi' });
    const page = await signIn(await open(DESKTOP), s.site, s.owner);
    pages.push(page);
    await page.waitForSelector('#site-name');
    await waitFor('site name', async () => /Bottega Rossi/.test(await page.textContent('#site-name')), 5000);

    await page.click('nav.tabs .tab[data-page=hours]');
    await page.waitForSelector('#hours-form .day[data-day=mon] .interval');
    await page.click('#hours-form [data-action=hours-add-interval][data-day=mon]');
    const rows = '#hours-form .day[data-day=mon] .interval';
    await waitFor('two Monday rows', async () => (await page.$$(rows)).length === 2);
    const second = (await page.$$(rows))[1];
    const [start, end] = await second.$$('input[type=time]');
    await start.fill('10:00');
    await end.fill('12:00');
    await page.click('#hours-form button[type=submit]');
    const error = '#hours-form .day[data-day=mon] .field-error';
    await page.waitForSelector(error);
    const text = await page.textContent(error);
    assert.match(text, /^Monday: /);
    assert.match(text, /overlap/);
    assert.doesNotMatch(text, /mon:|09:00-17:00/, 'no raw wording');
    // Times as the time inputs show them (12- or 24-hour, by the browser).
    const shown = await page.evaluate(() => new Date(2000, 0, 1, 17, 0).toLocaleTimeString(navigator.language, { hour: 'numeric', minute: '2-digit' }));
    assert.ok(text.includes(shown), `${text} shows ${shown}`);
  }));

test('every console page passes an accessibility audit (axe-core, WCAG 2.2 AA), light and dark', { timeout: 120_000 }, () =>
  scenario('axe', async ({ pages, open }) => {
    const s = await createSite();
    await s.group('sales', 'Sales');
    const token = await s.agent('ann', 'Ann Lee', ['sales']);
    for (const colorScheme of ['light', 'dark']) {
      const signin = await (await open({ ...DESKTOP, colorScheme })).newPage();
      pages.push(signin);
      await signin.goto(`${BASE}/console/?site=${s.site}`);
      await signin.waitForSelector('#token:not([disabled])');
      const seen = { signin: await axeViolations(signin) };

      const agent = await signIn(await open({ ...PHONE, colorScheme }), s.site, token);
      pages.push(agent);
      await agent.waitForSelector('#conn[data-state=live]');
      seen.agent = await axeViolations(agent);
      await agent.click('#avatar');
      await agent.click('#status-menu [data-action=devices]');
      await agent.waitForSelector('#devices .device');
      seen.devices = await axeViolations(agent);

      const owner = await signIn(await open({ ...DESKTOP, colorScheme }), s.site, s.owner);
      pages.push(owner);
      for (const tab of ['agents', 'groups', 'hours', 'settings', 'replies', 'embed']) {
        await owner.click(`nav.tabs .tab[data-page=${tab}]`);
        await owner.waitForSelector('.page-inner h1');
        await owner.waitForSelector('.loading', { state: 'detached' }).catch(() => {});
        seen[tab] = await axeViolations(owner);
      }
      // The platform admin's page (issue 16), signed in with a site listed.
      const platform = await (await open({ ...DESKTOP, colorScheme })).newPage();
      pages.push(platform);
      await platform.goto(`${BASE}/platform/`);
      await platform.fill('#signin-form [name=token]', ADMIN);
      await platform.click('#signin-form button[type=submit]');
      await platform.waitForSelector('#sites li');
      seen.platform = await axeViolations(platform);
      if (colorScheme === 'dark') {
        const bg = await owner.evaluate(() => [document.body, document.documentElement]
          .map((e) => getComputedStyle(e).backgroundColor)
          .find((c) => c !== 'rgba(0, 0, 0, 0)'));
        assert.notEqual(bg, 'rgb(245, 246, 250)', 'dark mode follows the system setting');
      }
      for (const [page, violations] of Object.entries(seen)) {
        assert.deepEqual(violations, [], `${colorScheme} ${page}: ${JSON.stringify(violations, null, 1)}`);
      }
    }
  }));

test('the owner turns e-mail on and gives agents their addresses', { timeout: 60_000 }, () =>
  scenario('email-settings', async ({ pages, open }) => {
    const s = await createSite();
    await s.agent('ann', 'Ann Lee');
    const page = await signIn(await open(DESKTOP), s.site, s.owner);
    pages.push(page);
    const row = 'li.row[data-agent=ann]';
    await page.waitForSelector(`${row} input[name=email]`);
    await page.fill(`${row} input[name=email]`, 'ann@bottega.example');
    await page.click(`${row} button[type=submit]`);
    await waitFor('agent e-mail saved', async () =>
      (await api('GET', `/v1/sites/${s.site}/agents/ann`, s.owner)).body.email === 'ann@bottega.example', 5000);

    await page.click('nav.tabs .tab[data-page=settings]');
    await page.waitForSelector('#settings-form [name=email-enabled]');
    assert.equal(await page.isChecked('#settings-form [name=email-enabled]'), false, 'off by default');
    await page.check('#settings-form [name=email-enabled]');
    await page.fill('#settings-form [name=notify]', 'owner@bottega.example');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    const settings = await api('GET', `/v1/sites/${s.site}/settings`, s.owner);
    assert.deepEqual(settings.body.email, { enabled: true, notify_address: 'owner@bottega.example' });
  }));

test('a sound for new visitor messages, with a setting kept by the browser', { timeout: 60_000 }, () =>
  scenario('sound', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const ctx = await open(DESKTOP);
    // Count the tones the page plays (a spy on the browser's Web Audio).
    await ctx.addInitScript(() => {
      window.__tones = 0;
      const create = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () {
        window.__tones += 1;
        return create.call(this);
      };
    });
    const page = await signIn(ctx, s.site, token);
    pages.push(page);
    await page.waitForSelector('#conn[data-state=live]');
    const toggle = '.inbox-head [data-action=toggle-sound]';
    await page.waitForSelector(toggle);
    assert.equal(await page.getAttribute(toggle, 'aria-pressed'), 'false');
    const v = visitor(s.site);
    await v.say('first');
    await page.waitForSelector('.conversation');
    assert.equal(await page.evaluate(() => window.__tones), 0, 'off: silent');

    await page.click(toggle);
    await page.waitForSelector(`${toggle}[aria-pressed=true]`);
    await v.say('second');
    await waitFor('a tone', async () => (await page.evaluate(() => window.__tones)) === 1, 5000);
    // Kept by the browser: a new tab has it on.
    const again = await ctx.newPage();
    pages.push(again);
    await again.goto(`${BASE}/console/?site=${s.site}`);
    await again.waitForSelector(`${toggle}[aria-pressed=true]`);
  }));

test('the console is installable and its shell opens offline', { timeout: 60_000 }, () =>
  scenario('install', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const ctx = await open(PHONE);
    const page = await signIn(ctx, s.site, token);
    pages.push(page);
    await page.waitForSelector('#conn[data-state=live]');
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector('link[rel=manifest]');
      return link && (await fetch(link.href)).json();
    });
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/console/');
    assert.ok(manifest.icons.length > 0);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.waitForSelector('#conn[data-state=live]');
    // Offline: the shell still opens (from the service worker's cache),
    // and the console says it is reconnecting.
    await ctx.setOffline(true);
    await page.reload();
    await page.waitForSelector('.agent-shell, form[data-action=signin]');
    await ctx.setOffline(false);
    await page.waitForSelector('#conn[data-state=live]', { timeout: 15_000 });
    // The installed console starts at /console/ and opens this site.
    await page.goto(`${BASE}/console/`);
    await page.waitForURL(/\?site=/);
    await page.waitForSelector('#conn[data-state=live]');
  }));

test('saved replies: the owner saves them, the agent sends one with its shortcut', { timeout: 60_000 }, () =>
  scenario('saved-replies', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('ann', 'Ann Lee');
    const agent = await signIn(await open(DESKTOP), s.site, token);
    pages.push(agent);
    await agent.waitForSelector('#conn[data-state=live]');
    const v = visitor(s.site);
    const { conversation_id: cid } = await v.say('Are you open on Sunday?');
    await agent.click(`.conversation[data-id="${cid}"]`);
    await agent.waitForSelector('#reply-text');

    const owner = await signIn(await open(DESKTOP), s.site, s.owner);
    pages.push(owner);
    await owner.click('nav.tabs .tab[data-page=replies]');
    await owner.waitForSelector('#replies-form');
    await owner.click('#replies-form [data-action=replies-add]');
    await owner.waitForSelector('#replies-form .saved-reply');
    await owner.fill('#replies-form .saved-reply [name=shortcut]', 'sunday');
    await owner.fill('#replies-form .saved-reply [name=text]', 'We are open on Sundays from 10 to 16.');
    await owner.click('#replies-form button[type=submit]');
    await owner.waitForSelector('#replies-form .ok');

    // Live: the agent's composer knows the shortcut without a reload.
    await waitFor('hint', async () => /\/sunday/.test(await agent.textContent('#reply-hint')), 5000);
    await agent.fill('#reply-text', '/sunday');
    await agent.press('#reply-text', 'Enter');
    await waitFor('expanded', async () => (await agent.inputValue('#reply-text')) === 'We are open on Sundays from 10 to 16.', 3000);
    await agent.press('#reply-text', 'Enter');
    await waitFor('the visitor has it', async () =>
      (await v.messages(0)).some((m) => m.text === 'We are open on Sundays from 10 to 16.'), 5000);
  }));
