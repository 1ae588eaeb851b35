// An owner who answers chats (issue 16, item 2) stays signed in as their
// own agent across the console's two screens: going from the inbox to the
// site settings keeps the agent's device socket (so a one-person shop is
// still online for its visitors after the grace period, and the owner's
// picture and status menu are in the owner's top bar), a reload of the
// inbox shows the inbox again, and a reload of the owner's pages signs the
// agent in again behind them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, createSite, sharedBrowser, waitFor } from './lib.mjs';
import { DESKTOP, axeViolations, scenario, signIn } from './console-lib.mjs';

const { browser } = sharedBrowser('owner-online');

/** The site's shortest grace period (seconds, the settings' minimum). */
const GRACE_SECS = 10;

/** A site whose owner answers chats as Olga, with a short grace period. */
async function ownerSite() {
  const s = await createSite();
  await s.settings({ grace_period_secs: GRACE_SECS });
  const made = await api('PUT', `/v1/sites/${s.id}/owner-agent`, s.owner, { name: 'Olga', groups: [] });
  assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made));
  return s;
}

/** Past the grace period (and the status cache), the site is still online. */
async function stillOnline(s, where) {
  const until = Date.now() + (GRACE_SECS + 6) * 1000;
  while (Date.now() < until) {
    const { status } = await s.status();
    assert.equal(status, 'online', `the owner went offline ${where}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Signs in with the owner key and opens the inbox as the owner's agent. */
async function ownerInInbox(open, pages, s) {
  const page = await signIn(await open(DESKTOP), s.id, s.owner);
  pages.push(page);
  await page.waitForSelector('.owner-shell #inbox-link:not([hidden])');
  await page.click('#inbox-link');
  await page.waitForSelector('.agent-shell #conn[data-state=live]');
  await waitFor('Olga in the top bar', async () => (await page.textContent('#me-name')).includes('Olga'));
  await waitFor('the site online', async () => (await s.status()).status === 'online', 10_000);
  return page;
}

test('the owner stays online on the owner pages, past the grace period, with the status menu', { timeout: 90_000 }, () =>
  scenario(browser(), 'owner-online', async ({ pages, open }) => {
    const s = await ownerSite();
    const page = await ownerInInbox(open, pages, s);

    await page.click('[data-action=owner-pages]');
    await page.click('nav.tabs .tab[data-page=settings]');
    await page.waitForSelector('.owner-shell #page .page-inner h1 >> text=Settings');
    await stillOnline(s, 'on the owner pages');

    // The picture and its status menu are in the owner's top bar.
    await page.waitForSelector('.owner-shell #avatar[data-status=online]');
    assert.deepEqual(await axeViolations(page), [], 'owner pages with the picture');
    await page.click('#avatar');
    await page.waitForSelector('#status-menu:not([hidden])');
    await page.fill('#status-menu [name=busy-message]', 'At the post office');
    await page.click('#status-menu [data-status=busy]');
    await page.waitForSelector('#status-menu[hidden]', { state: 'attached' });
    await page.waitForSelector('.owner-shell #avatar[data-status=busy]');
    await waitFor('the site busy', async () => (await s.status()).status === 'busy', 10_000);

    // Back to the inbox: the same session, no new sign-in.
    await page.click('#inbox-link');
    await page.waitForSelector('.agent-shell #conn[data-state=live]');
    assert.match(await page.textContent('#me-status'), /Busy · At the post office/);
  }));

test('a reload of the owner\'s inbox shows the inbox again, and the way back still works', { timeout: 90_000 }, () =>
  scenario(browser(), 'owner-reload', async ({ pages, open }) => {
    const s = await ownerSite();
    const page = await ownerInInbox(open, pages, s);

    await page.reload();
    await page.waitForSelector('.agent-shell #conn[data-state=live]', { timeout: 10_000 });
    assert.equal(await page.$('.owner-shell'), null);
    await waitFor('Olga in the top bar', async () => (await page.textContent('#me-name')).includes('Olga'));
    assert.equal(new URL(page.url()).hash, '#inbox');

    // The owner key is still kept in the tab: back to the owner's pages.
    await page.click('[data-action=owner-pages]');
    await page.waitForSelector('.owner-shell #page .page-inner');
    await page.waitForSelector('.owner-shell #avatar');
    assert.notEqual(new URL(page.url()).hash, '#inbox');
    assert.equal((await s.status()).status, 'online');

    // A reload of the owner's pages signs the owner's agent in again
    // behind them: still online past the grace period.
    await page.reload();
    await page.waitForSelector('.owner-shell #page .page-inner');
    await page.waitForSelector('.owner-shell #avatar[data-status=online]');
    await stillOnline(s, 'after a reload of the owner pages');
  }));
