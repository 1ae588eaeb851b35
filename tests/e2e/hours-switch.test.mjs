// Working hours that switch statuses (issue 17), in real browsers against the
// real edge: at closing time the schedule turns the agent offline (the
// console says so, the widget says when the team is back); the agent goes
// online by hand after closing time and the widget shows online.
//
// A boundary is a whole minute: the test waits for the next minute mark at
// least 10 seconds ahead (up to about 70 seconds).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, createSite, demoUrl, openPage, screenshot, sharedBrowser, waitFor, waitForStatus } from './lib.mjs';
import { DESKTOP, signIn } from './console-lib.mjs';

const shared = sharedBrowser('hours');
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The next UTC minute mark at least `leadMs` ahead, not across midnight. */
async function minuteMark(leadMs) {
  for (;;) {
    const now = Date.now();
    const mark = Math.ceil((now + leadMs) / MINUTE) * MINUTE;
    if (Math.floor(mark / DAY) === Math.floor(now / DAY) && mark % DAY >= MINUTE) return mark;
    await new Promise((r) => setTimeout(r, (Math.floor(now / DAY) + 1) * DAY - now + 2000));
  }
}

/** UTC "HH:MM". */
const hhmm = (ms) => new Date(ms).toISOString().slice(11, 16);

test('an agent goes online by hand after closing time and the widget shows online', { timeout: 150_000 }, async () => {
  const site = await createSite({ mode: 'switch' });
  await site.settings({ grace_period_secs: 600 });
  const giulia = await site.agent('giulia', { name: 'Giulia Rossi' });
  const browser = shared.browser();

  // Giulia in the console (in Rome), a visitor on the shop's page.
  const agentContext = await browser.newContext({ ...DESKTOP, timezoneId: 'Europe/Rome' });
  const consolePage = await signIn(agentContext, site.id, giulia.token);
  const shop = await openPage(browser, demoUrl(site.id));
  try {
    await consolePage.waitForSelector('#avatar[data-status=online]');
    await waitForStatus(shop, 'online', 'Chat with us');

    // Open every day until the next minute mark (UTC).
    const closing = await minuteMark(10_000);
    const day = [['00:00', hhmm(closing)]];
    const weekly = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, day]));
    const saved = await api('PUT', `/v1/sites/${site.id}/working-hours`, site.owner, { timezone: 'UTC', weekly });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.mode, 'switch', 'a new site switches');
    // Saving is no status change.
    assert.equal((await site.status()).status, 'online');

    // Closing time: the schedule turns Giulia offline; visitors are told
    // when the team is back.
    const s = await waitForStatus(shop, 'offline', 'Leave us a message', closing - Date.now() + 5000);
    assert.match(s.t2, /^back /);
    await consolePage.waitForSelector('#avatar[data-status=offline]');
    const at = await consolePage.evaluate((ms) => {
      const d = new Date(ms);
      return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    }, closing);
    await waitFor('the console to say why', async () =>
      (await consolePage.textContent('#me-hours')).startsWith(`Set offline by working hours at ${at}`));
    assert.match(await consolePage.textContent('#me-hours'), / · online (tomorrow )?\d\d:\d\d$/);

    // Giulia stays late: online by hand, and the widget shows online.
    const t0 = Date.now();
    await consolePage.click('#avatar');
    await consolePage.waitForSelector('#status-menu:not([hidden])');
    await consolePage.click('#status-menu [role=menuitemradio][data-status=online]');
    await consolePage.waitForSelector('#avatar[data-status=online]');
    await waitForStatus(shop, 'online', 'Chat with us', 2000);
    assert.ok(Date.now() - t0 < 3000, `online shown after ${Date.now() - t0} ms`);
    // Her choice wins until the next opening.
    await waitFor('the console to say until when', async () =>
      /^Your choice until (tomorrow )?\d\d:\d\d, then online by working hours$/.test(
        await consolePage.textContent('#me-hours'),
      ));
    const answer = await site.status();
    assert.equal(answer.reason, 'agents_online');
    assert.deepEqual(shop.noise, [], 'no console noise on the shop page');
  } catch (e) {
    await screenshot(consolePage, 'hours-console');
    await screenshot(shop, 'hours-shop');
    throw e;
  } finally {
    await agentContext.close();
    await shop.context().close();
  }
});
