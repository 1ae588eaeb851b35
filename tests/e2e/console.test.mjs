// The agent console in a real browser against the real edge: sign-in, the
// status menu behind the agent's picture, two devices of one agent kept in
// step, sign-out ending the session at once, and the owner's pages. The
// inbox has its own file: console-inbox.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, PHONE, api, axeViolations, createSite, readmeSnippet, scenario as sharedScenario, sharedBrowser, signIn, snapshot, waitFor,
} from './console-lib.mjs';

const shared = sharedBrowser('console');
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

/** Local "HH:MM" two hours from now, in the page's time zone. */
function inTwoHours(page) {
  return page.evaluate(() => new Date(Date.now() + 2 * 3600e3).toTimeString().slice(0, 5));
}

/** Picks a status in the picture's menu (busy with optional details). */
async function chooseStatus(page, status, { message, back } = {}) {
  await page.click('#avatar');
  await page.waitForSelector('#status-menu:not([hidden])');
  if (message !== undefined) await page.fill('#status-menu [name=busy-message]', message);
  if (back !== undefined) await page.fill('#status-menu [name=busy-back]', back);
  await page.click(`#status-menu [role=menuitemradio][data-status=${status}]`);
  await page.waitForSelector('#status-menu[hidden]', { state: 'attached' });
}

test('an agent signs in and sets busy, offline and online from the picture menu', { timeout: 60_000 }, () =>
  scenario('status', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    const token = await s.agent('ann', 'Ann Lee');

    // A wrong token is refused inline, with the edge's message.
    const page = await signIn(await open(DESKTOP), site, 'pza_not-a-token');
    pages.push(page);
    await page.waitForSelector('#signin-error:not(:empty)');
    assert.match(await page.textContent('#signin-error'), /token/i);

    await page.fill('#token', token);
    await page.click('form[data-action=signin] button[type=submit]');
    await page.waitForSelector('#avatar[data-status=online]');
    assert.equal(await page.textContent('#avatar .initials'), 'AL');
    assert.equal(await page.textContent('#me-name'), 'Ann Lee');
    await page.waitForSelector('#conn[data-state=live]');
    await page.waitForSelector('#audience [data-audience=site][data-status=online]');
    assert.match(await page.textContent('#audience'), /Visitors see:\s*Online/);
    await page.waitForSelector('.inbox .empty >> text=No conversations yet');
    // This browser keeps a device credential of its own (not the token);
    // the device session id too.
    const stored = await page.evaluate((s) => ({
      token: sessionStorage.getItem(`presenza.console.token.${s}`),
      credential: JSON.parse(localStorage.getItem(`presenza.console.credential.${s}`)),
      device: localStorage.getItem(`presenza.console.device.${s}`),
    }), site);
    assert.equal(stored.token, null);
    assert.match(stored.credential.credential, /^pzd_[0-9a-f]{64}$/);
    assert.equal(stored.credential.agent, 'ann');
    assert.match(stored.device, /^[0-9a-f]{32}$/);
    await waitFor('visitors see online', async () => (await s.status()).status === 'online');

    // Busy with a message and a return time.
    const back = await inTwoHours(page);
    await chooseStatus(page, 'busy', { message: 'In a meeting', back });
    const busy = await waitFor('visitors see busy', async () => {
      const st = await s.status();
      return st.status === 'busy' && st;
    });
    assert.equal(busy.message, 'In a meeting');
    assert.ok(busy.back_at, 'back_at is set');
    await page.waitForSelector('#avatar[data-status=busy]');
    // The widget's wording: "back at 3:05 PM" today, "back Saturday 1:05 AM" after midnight.
    const worded = await page.evaluate((at) => {
      const d = new Date(at);
      const time = d.toLocaleTimeString('en', { hour: 'numeric', minute: '2-digit' });
      return d.toDateString() === new Date().toDateString()
        ? `back at ${time}`
        : `back ${d.toLocaleDateString('en', { weekday: 'long' })} ${time}`;
    }, Date.parse(busy.back_at));
    assert.equal(await page.textContent('#me-status'), `Busy · In a meeting · ${worded}`);
    await page.waitForSelector('#audience [data-audience=site][data-status=busy]');
    // The menu closed and gave focus back to the picture.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'avatar');

    // Keyboard: arrow keys open the menu on the current status and move on.
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('#status-menu:not([hidden])');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.status), 'busy');
    assert.equal(await page.inputValue('#status-menu [name=busy-message]'), 'In a meeting');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.status), 'offline');
    await page.keyboard.press('Enter');
    await waitFor('visitors see offline', async () => (await s.status()).status === 'offline');
    await page.waitForSelector('#avatar[data-status=offline]');

    // Escape closes the menu and returns focus to the picture.
    await page.keyboard.press('Enter');
    await page.waitForSelector('#status-menu:not([hidden])');
    assert.equal(await page.getAttribute('#avatar', 'aria-expanded'), 'true');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#status-menu[hidden]', { state: 'attached' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'avatar');

    await chooseStatus(page, 'online');
    await waitFor('visitors see online again', async () => (await s.status()).status === 'online');

    // A reload signs in again from this tab's storage.
    await page.reload();
    await page.waitForSelector('#avatar[data-status=online]');
  }));

test('two consoles of one agent, desktop and phone, show every change at once', { timeout: 60_000 }, () =>
  scenario('two-devices', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    const token = await s.agent('giulia', 'Giulia Rossi');
    const desktop = await signIn(await open(DESKTOP), site, token);
    const phone = await signIn(await open(PHONE), site, token);
    pages.push(desktop, phone);
    for (const p of [desktop, phone]) {
      await p.waitForSelector('#conn[data-state=live]');
      await p.waitForSelector('#avatar[data-status=online]');
    }
    // Phone-sized: nothing wider than the screen.
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));

    // Desktop → phone.
    await chooseStatus(desktop, 'busy', { message: 'Lunch', back: await inTwoHours(desktop) });
    await phone.waitForSelector('#avatar[data-status=busy]', { timeout: 3000 });
    assert.match(await phone.textContent('#me-status'), /Busy · Lunch/);
    await phone.waitForSelector('#audience [data-audience=site][data-status=busy]', { timeout: 3000 });

    // Phone → desktop.
    await chooseStatus(phone, 'offline');
    await desktop.waitForSelector('#avatar[data-status=offline]', { timeout: 3000 });
    await desktop.waitForSelector('#audience [data-audience=site][data-status=offline]', { timeout: 3000 });
    await chooseStatus(phone, 'online');
    await desktop.waitForSelector('#avatar[data-status=online]', { timeout: 3000 });
    assert.equal(await desktop.textContent('#me-status'), 'Online');

    // The phone's menu fits the screen.
    await phone.click('#avatar');
    const box = await phone.locator('#status-menu').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `menu inside the screen: ${JSON.stringify(box)}`);
  }));

test('sign-out ends that device session at once', { timeout: 60_000 }, () =>
  scenario('sign-out', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    const token = await s.agent('marco', 'Marco');
    const page = await signIn(await open(DESKTOP), site, token);
    pages.push(page);
    await page.waitForSelector('#conn[data-state=live]');
    // A status change over HTTP keeps a session of its own: it must end too.
    await chooseStatus(page, 'busy', { message: 'Back soon' });
    await waitFor('visitors see busy', async () => (await s.status()).status === 'busy');

    await page.click('#avatar');
    await page.click('#status-menu [data-action=sign-out]');
    await page.waitForSelector('form[data-action=signin]');
    const started = Date.now();
    // Grace is 120 s: offline within seconds means the session ended.
    await waitFor('visitors see offline', async () => (await s.status()).status === 'offline', 5000);
    assert.ok(Date.now() - started < 5000);
    const agents = await api('GET', `/v1/sites/${site}/agents`, owner);
    assert.equal(agents.body.agents.find((a) => a.id === 'marco').sessions, 0);
    // The browser forgot its credential and the edge revoked it: a reload
    // shows the sign-in screen.
    assert.equal(await page.evaluate((s) => localStorage.getItem(`presenza.console.credential.${s}`), site), null);
    await waitFor('device revoked', async () =>
      (await api('GET', `/v1/sites/${site}/agents/marco/devices`, owner)).body.devices.length === 0);
    await page.reload();
    await page.waitForSelector('form[data-action=signin]');
  }));

test('the owner adds an agent and sees its token once, rotates it, and gets errors inline', { timeout: 60_000 }, () =>
  scenario('owner', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    await api('PUT', `/v1/sites/${site}/groups/support`, owner, { name: 'Support' });
    const page = await signIn(await open(DESKTOP), site, owner);
    pages.push(page);
    await page.waitForSelector('nav.tabs .tab[aria-current=page][data-page=agents]');

    await page.fill('#agent-add [name=name]', 'Bob Stone');
    await page.check('#agent-add input[name=groups][value=support]');
    await page.click('#agent-add button[type=submit]');
    await page.waitForSelector('#new-token');
    const token = (await page.textContent('#new-token-value')).trim();
    assert.match(token, /^pza_[0-9a-f]{64}$/);
    assert.match(await page.textContent('#new-token'), /Token for Bob Stone/);
    await page.waitForSelector('li.row[data-agent=bob-stone]');
    const me = await api('GET', `/v1/sites/${site}/agents/me`, token);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.agent.groups, ['support']);

    // Shown once: gone after "Done" and after a reload.
    await page.click('[data-action=dismiss-token]');
    await page.waitForSelector('#new-token', { state: 'detached' });
    await page.reload();
    await page.waitForSelector('li.row[data-agent=bob-stone]');
    assert.ok(!(await page.content()).includes(token));

    // Rotating asks twice, shows the new token once, and the old one stops:
    // Bob's open console is signed out with a word why.
    const bob = await signIn(await open(PHONE), site, token);
    pages.push(bob);
    await bob.waitForSelector('#conn[data-state=live]');
    await page.click('li.row[data-agent=bob-stone] [data-action=confirm][data-key="rotate:bob-stone"]');
    await page.click('li.row[data-agent=bob-stone] [data-action=rotate]');
    await page.waitForSelector('#new-token');
    const rotated = (await page.textContent('#new-token-value')).trim();
    assert.notEqual(rotated, token);
    assert.equal((await api('GET', `/v1/sites/${site}/agents/me`, token)).status, 401);
    assert.equal((await api('GET', `/v1/sites/${site}/agents/me`, rotated)).status, 200);
    await bob.waitForSelector('form[data-action=signin] .notice');
    assert.match(await bob.textContent('form[data-action=signin] .notice'), /signed out .*token was replaced/);

    // An error from the edge is shown next to its form, with its message.
    await page.click('nav.tabs .tab[data-page=settings]');
    await page.waitForSelector('#settings-form');
    await page.fill('#settings-form [name=origins]', 'shop.example.com/path');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .error');
    assert.match(await page.textContent('#settings-form .error'), /not an origin/);
    await page.fill('#settings-form [name=grace]', '60');
    await page.fill('#settings-form [name=origins]', 'https://shop.example.com');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    const settings = await api('GET', `/v1/sites/${site}/settings`, owner);
    assert.equal(settings.body.grace_period_secs, 60);
    assert.deepEqual(settings.body.allowed_origins, ['https://shop.example.com']);

    // Working hours in a time zone, saved as the edge's JSON.
    await page.click('nav.tabs .tab[data-page=hours]');
    await page.waitForSelector('#hours-form');
    await page.selectOption('#hours-form [name=timezone]', 'Europe/Rome');
    await page.click('#hours-form [data-action=hours-add-interval][data-day=sat]');
    await page.waitForSelector('#hours-form .day[data-day=sat] .interval');
    await page.click('#hours-form button[type=submit]');
    await page.waitForSelector('#hours-form .ok');
    const hours = await api('GET', `/v1/sites/${site}/working-hours`, owner);
    assert.equal(hours.body.timezone, 'Europe/Rome');
    assert.deepEqual(hours.body.weekly.sat, [['09:00', '17:00']]);

    // The embed snippet is README's, with this edge and site.
    await page.click('nav.tabs .tab[data-page=embed]');
    await page.waitForSelector('#embed-snippet');
    assert.equal(
      await page.textContent('#embed-snippet'),
      (await readmeSnippet()).replace('https://EDGE', BASE).replace('SITE_ID', site),
    );
  }));

test('what the owner types survives data arriving', { timeout: 60_000 }, () =>
  scenario('typing', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    await s.agent('ann', 'Ann Lee');
    const ctx = await open(DESKTOP);
    // A slow agents list: it arrives while the owner is already typing.
    await ctx.route(/\/agents$/, async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    const page = await signIn(ctx, site, owner);
    pages.push(page);
    await page.waitForSelector('#agent-add');
    await page.fill('#agent-add [name=name]', 'Half typed');
    await page.waitForSelector('li.row[data-agent=ann]');
    assert.equal(await page.inputValue('#agent-add [name=name]'), 'Half typed');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'name');
  }));

test('the owner sets alerts: each threshold with its off switch, and the address (axe, light and dark)', { timeout: 60_000 }, () =>
  scenario('alerts', async ({ pages, open }) => {
    const { site, owner } = await createSite();
    for (const colorScheme of ['light', 'dark']) {
      const page = await signIn(await open({ ...DESKTOP, colorScheme }), site, owner);
      pages.push(page);
      await page.click('nav.tabs .tab[data-page=settings]');
      await page.waitForSelector('#settings-form [name=offline-minutes]');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}: ${JSON.stringify(violations, null, 1)}`);
    }
    const page = pages[0];
    // The defaults: both on, 10 and 5 minutes, to the e-mail address.
    assert.equal(await page.isChecked('#settings-form [name=offline-on]'), true);
    assert.equal(await page.inputValue('#settings-form [name=offline-minutes]'), '10');
    assert.equal(await page.isChecked('#settings-form [name=wait-on]'), true);
    assert.equal(await page.inputValue('#settings-form [name=wait-minutes]'), '5');
    await page.getByLabel('Offline for (minutes)').fill('15');
    await page.getByLabel('A visitor waits for a reply').uncheck();
    await page.getByLabel('Send alerts to').fill('alerts@shop.example');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    const saved = await api('GET', `/v1/sites/${site}/settings`, owner);
    assert.deepEqual(saved.body.alerts, { offline_minutes: 15, wait_minutes: null, address: 'alerts@shop.example' });
    await page.reload();
    await page.waitForSelector('#settings-form [name=offline-minutes]');
    assert.equal(await page.inputValue('#settings-form [name=offline-minutes]'), '15');
    assert.equal(await page.isChecked('#settings-form [name=wait-on]'), false);
    assert.equal(await page.inputValue('#settings-form [name=alert-address]'), 'alerts@shop.example');
  }));

test('the owner sets the widget language and back to automatic (the visitor\'s browser)', { timeout: 60_000 }, () =>
  scenario('language', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    const read = async () => {
      const r = await api('GET', `/v1/sites/${site}/settings`, owner);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.widget.language ?? null;
    };
    const page = await signIn(await open(PHONE), site, owner);
    pages.push(page);
    await page.waitForSelector('nav.tabs');
    await page.click('nav.tabs .tab[data-page=settings]');
    await page.waitForSelector('#settings-form');
    // Nothing chosen yet: automatic.
    assert.equal(await page.inputValue('#settings-form [name=language]'), 'auto');
    const options = await page.$$eval('#settings-form [name=language] option', (os) => os.map((o) => o.value));
    assert.deepEqual(options.slice(0, 3), ['auto', 'en', 'it']);
    assert.ok(options.includes('cs'));

    await page.selectOption('#settings-form [name=language]', 'cs');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    assert.equal(await read(), 'cs');
    // Shown as saved after a reload.
    await page.reload();
    await page.waitForSelector('#settings-form');
    assert.equal(await page.inputValue('#settings-form [name=language]'), 'cs');

    // Back to automatic: "auto" is sent, the edge forgets the language.
    await page.selectOption('#settings-form [name=language]', 'auto');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    assert.equal(await read(), null);
    assert.equal(await page.inputValue('#settings-form [name=language]'), 'auto');
    // A tag set over the API that the list lacks is shown, and kept by a save.
    const put = await api('PUT', `/v1/sites/${site}/settings`, owner, { widget: { language: 'pt-BR' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await page.reload();
    await page.waitForSelector('#settings-form');
    assert.equal(await page.inputValue('#settings-form [name=language]'), 'pt-BR');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    assert.equal(await read(), 'pt-BR');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  }));

test('the owner changes any text, for one language or all, and open widgets follow at once', { timeout: 60_000 }, () =>
  scenario('texts', async ({ pages, open }) => {
    const s = await createSite();
    const { site, owner } = s;
    const giulia = await s.agent('giulia', 'Giulia');
    await api('PUT', `/v1/sites/${site}/agents/me/status`, giulia, { status: 'online' });
    // An Italian visitor's page is open, with the panel.
    const visitor = await (await open({ ...DESKTOP, locale: 'it-IT' })).newPage();
    pages.push(visitor);
    await visitor.goto(`${BASE}/?site=${site}`);
    const shadow = (id, attr) =>
      visitor.evaluate(
        ([id, attr]) => {
          const el = document.querySelector('presenza-widget')?.shadowRoot?.getElementById(id);
          return el ? (attr ? el.getAttribute(attr) : el.textContent) : null;
        },
        [id, attr],
      );
    await waitFor('the Italian launcher', async () => (await shadow('t1')) === 'Chatta con noi');
    await visitor.evaluate(() => presenza('chat:open'));
    await waitFor('the composer', async () => (await shadow('f', 'placeholder')) === 'Scrivi un messaggio…');

    const page = await signIn(await open(DESKTOP), site, owner);
    pages.push(page);
    await page.waitForSelector('nav.tabs');
    await page.click('nav.tabs .tab[data-page=settings]');
    await page.waitForSelector('#settings-form');
    // Every text of the widget, for every language at once by default.
    const keys = await page.$$eval('#texts .text-row:not([hidden])', (rows) => rows.map((r) => r.dataset.key));
    assert.ok(keys.includes('msg_placeholder') && keys.includes('sent') && keys.includes('busy_reply') && keys.includes('typing'), keys.join());
    assert.equal(keys.length, 47);
    assert.equal(await page.getAttribute('#text-all-online', 'placeholder'), 'Chat with us');
    await page.fill('#text-all-status_online', 'Live');
    // Italian: the widget's own Italian texts as placeholders.
    await page.selectOption('#settings-form [name=text-lang]', 'it');
    assert.equal(await page.isVisible('#text-all-online'), false);
    assert.equal(await page.getAttribute('#text-it-msg_placeholder', 'placeholder'), 'Scrivi un messaggio…');
    await page.fill('#text-it-msg_placeholder', 'La tua domanda…');
    await page.fill('#text-it-online', 'Scrivici, siamo qui');
    await page.click('#settings-form button[type=submit]');
    await page.waitForSelector('#settings-form .ok');
    const saved = await api('GET', `/v1/sites/${site}/settings`, owner);
    assert.deepEqual(saved.body.widget.texts, {
      '*': { status_online: 'Live' },
      it: { msg_placeholder: 'La tua domanda…', online: 'Scrivici, siamo qui' },
    });
    // The open widget follows, without a reload.
    await waitFor('the new placeholder', async () => (await shadow('f', 'placeholder')) === 'La tua domanda…', 2000);
    await waitFor('the new status line', async () => (await shadow('s')) === 'Live', 2000);
    // Shown as saved after a reload of the console.
    await page.reload();
    await page.waitForSelector('#settings-form');
    assert.equal(await page.inputValue('#text-it-online'), 'Scrivici, siamo qui');
    assert.equal(await page.inputValue('#text-all-status_online'), 'Live');
  }));
