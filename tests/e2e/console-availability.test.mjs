// The owner's Availability page (issue 15, item 2) in Chromium: for the
// last seven days, each audience's status drawn by the console as an SVG
// timeline (one bar per day), its coverage, missed conversations and
// first-response times, the same facts as tables (time per status per day,
// every change: what the history API says), readable on a phone without
// scrolling sideways, and no WCAG 2.2 AA violation (axe-core), light and
// dark.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, api, axeViolations, createSite, scenario as sharedScenario, sharedBrowser, signIn, visitor,
} from './console-lib.mjs';

const shared = sharedBrowser('console-availability');
const EVERY_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

test('the Availability page draws each audience, its figures and its changes, on desktop and phone', { timeout: 120_000 }, () =>
  scenario('availability', async ({ pages, open }) => {
    const s = await createSite();
    await s.group('sales', 'Sales');
    const ann = await s.agent('ann', 'Ann Lee');
    const site = `/v1/sites/${s.site}`;
    // Sales has working hours (from now on: before, all the time counted).
    const hours = await api('PUT', `${site}/groups/sales/working-hours`, s.owner, { timezone: 'UTC', mode: 'gate', weekly: EVERY_DAY });
    assert.equal(hours.status, 200, JSON.stringify(hours.body));
    // Ann online, then busy, then online again; a visitor writes and she
    // answers.
    for (const status of ['online', 'busy', 'online']) {
      const r = await api('PUT', `${site}/agents/me/status`, ann, { status });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const v = visitor(s.site);
    const { conversation_id: conversation } = await v.say('Hello?');
    const reply = await api('POST', `${site}/conversations/${conversation}/messages`, ann, { client_id: 'r_1', text: 'Hi!' });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const history = (await api('GET', `${site}/history`, s.owner)).body;
    const siteChanges = history.audiences.find((a) => a.group === null).changes;
    assert.ok(siteChanges.length >= 4, JSON.stringify(history));

    for (const [name, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      const page = await signIn(await open(options), s.site, s.owner);
      pages.push(page);
      await page.click('nav.tabs .tab[data-page=availability]');
      await page.waitForSelector('section.availability[data-audience=site] svg.tl-bar rect.st-online', { state: 'attached' });
      const shown = await page.evaluate(() => {
        const card = document.querySelector('section.availability[data-audience=site]');
        return {
          h1: document.querySelector('.page-inner h1').textContent,
          cards: [...document.querySelectorAll('section.availability')].map((c) => c.dataset.audience),
          heading: card.querySelector('h2').textContent,
          days: card.querySelectorAll('.tl-row:not(.tl-axis)').length,
          dayRows: card.querySelectorAll('table.day-table tbody tr').length,
          changes: card.querySelectorAll('table.change-table tbody tr').length,
          colours: [...new Set([...card.querySelectorAll('svg.tl-bar rect')].map((r) => r.getAttribute('class')))].sort(),
          figures: card.querySelector('.figures').textContent,
          agents: [...document.querySelectorAll('table.agent-table tbody th')].map((t) => t.textContent),
          timeline: card.querySelector('.timeline').getAttribute('role'),
          // Working hours shaded where an audience has them, with their
          // time in the day table (today: the last row).
          salesHours: document.querySelectorAll('section.availability[data-audience=group-sales] svg.tl-bar rect.st-hours').length,
          salesToday: [...document.querySelectorAll('section.availability[data-audience=group-sales] table.day-table tbody tr')].at(-1)
            .querySelectorAll('td')[3].textContent,
          siteToday: [...card.querySelectorAll('table.day-table tbody tr')].at(-1).querySelectorAll('td')[3].textContent,
          legend: [...document.querySelectorAll('.legend li')].map((l) => l.textContent),
          sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        };
      });
      assert.equal(shown.h1, 'Availability', name);
      assert.deepEqual(shown.cards, ['site', 'group-sales'], name);
      assert.equal(shown.heading, 'Whole site', name);
      // Seven local days, each a bar and a table row.
      assert.equal(shown.days, 7, name);
      assert.equal(shown.dayRows, 7, name);
      // Every change of the history, none more.
      assert.equal(shown.changes, siteChanges.length, name);
      // No working hours: offline at any time counts (st-missed).
      assert.deepEqual(shown.colours, ['st-busy', 'st-missed', 'st-offline', 'st-online'], name);
      assert.match(shown.figures, /Coverage of working hours: \d+ %/, name);
      assert.match(shown.figures, /Missed conversations: 0 of 1/, name);
      assert.match(shown.figures, /First response: median \d+ s/, name);
      assert.deepEqual(shown.agents, ['Ann Lee'], name);
      assert.equal(shown.timeline, 'img', name);
      assert.ok(shown.salesHours >= 1, `${name}: sales' working hours shaded`);
      assert.match(shown.salesToday, /\d/, name);
      assert.equal(shown.siteToday, '—', `${name}: the site has no working hours`);
      assert.ok(shown.legend.includes('Working hours (as they were that day)'), name);
      assert.equal(shown.sideways, false, `${name}: nothing scrolls sideways`);
    }

    // A week picked by its last day: a week with no history yet.
    const page = pages[0];
    await page.fill('#week-end', '2026-01-07');
    await page.click('form[data-action=availability] button[type=submit]');
    await page.waitForSelector('section.availability[data-audience=site] table.day-table tbody tr', { state: 'attached' });
    const past = await page.evaluate(() => ({
      first: document.querySelector('table.day-table tbody th').textContent,
      rects: document.querySelectorAll('section.availability svg.tl-bar rect').length,
    }));
    assert.equal(past.first, 'Thu 1 Jan');
    assert.equal(past.rects, 0, 'nothing known then');
  }));

test('the Availability page passes an accessibility audit (axe-core, WCAG 2.2 AA), light and dark', { timeout: 90_000 }, () =>
  scenario('availability-axe', async ({ pages, open }) => {
    const s = await createSite();
    const ann = await s.agent('ann', 'Ann Lee');
    await api('PUT', `/v1/sites/${s.site}/agents/me/status`, ann, { status: 'online' });
    await api('PUT', `/v1/sites/${s.site}/working-hours`, s.owner, { timezone: 'UTC', mode: 'gate', weekly: EVERY_DAY });
    for (const colorScheme of ['light', 'dark']) {
      for (const options of [DESKTOP, PHONE]) {
        const page = await signIn(await open({ ...options, colorScheme }), s.site, s.owner);
        pages.push(page);
        await page.click('nav.tabs .tab[data-page=availability]');
        await page.waitForSelector('section.availability svg.tl-bar rect', { state: 'attached' });
        await page.click('section.availability details summary');
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${colorScheme} ${options.viewport.width}: ${JSON.stringify(violations, null, 1)}`);
      }
    }
  }));
