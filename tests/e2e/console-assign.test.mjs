// Assigning and transferring a conversation (issue 14), in a real browser:
// two agents on two devices (Giulia on a desktop, Marco on a 390×844 phone)
// and an Italian visitor on a shop of another origin (README's snippet).
// Giulia assigns the conversation to Marco from its Assign control: Marco's
// phone shows it as his at once ("Assigned to me"), and the visitor reads
// the localized line, once, with Marco in the panel's header. Marco then
// transfers it to a group: the visitor reads that line too, and after a
// reload both lines are in the history, each once. The console with the
// Assign control passes axe-core (WCAG 2.2 AA), light and dark.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, axeViolations, createSite, scenario as sharedScenario, sharedBrowser, signIn, waitFor, startShop,
} from './console-lib.mjs';
import { chatState, openChat, say } from './lib.mjs';

const shared = sharedBrowser('console-assign');
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

/** The shop: another origin, README's snippet, the widget in Italian. */
let shopServer;
before(async () => {
  shopServer = await startShop((snippet) => `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Bollitore blu</title></head>
<body><h1>Bollitore blu</h1>${snippet}<script>presenza('language', 'it');</script></body></html>`);
});
after(() => shopServer?.close());

/** The widget panel's header: the agent serving the conversation ("" when hidden). */
const header = (page) => page.evaluate(() => {
  const el = document.querySelector('presenza-widget').shadowRoot.getElementById('an');
  return el && !el.hidden ? el.textContent : '';
});

/** The widget's system lines, in order. */
const notes = async (page) => (await chatState(page)).messages.filter((m) => m.class === 'm s').map((m) => m.text);

async function noViolations(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

test('an agent assigns a conversation to another on their phone, then it is transferred; the Italian visitor is told each time, once', { timeout: 150_000 }, () =>
  scenario('assign', async ({ pages, open }) => {
    const s = await createSite();
    await s.group('sales', 'Vendite');
    const giuliaToken = await s.agent('giulia', 'Giulia');
    const marcoToken = await s.agent('marco', 'Marco');
    const giulia = await signIn(await open({ ...DESKTOP, colorScheme: 'light' }), s.site, giuliaToken);
    pages.push(giulia);
    const marco = await signIn(await open({ ...PHONE, colorScheme: 'dark' }), s.site, marcoToken);
    pages.push(marco);
    await giulia.waitForSelector('#conn[data-state=live]');
    await marco.waitForSelector('#conn[data-state=live]');

    // The Italian visitor writes.
    const shopCtx = await open(DESKTOP);
    let shop = await shopCtx.newPage();
    pages.push(shop);
    await shop.goto(`${shopServer.origin}/bollitore?site=${s.site}`);
    await shop.waitForFunction(() => document.querySelector('presenza-widget')?.shadowRoot?.getElementById('w'));
    await openChat(shop, 'chat');
    await say(shop, 'Buongiorno, vorrei 40 bollitori');

    // Giulia opens it and assigns it to Marco from the Assign control.
    await giulia.waitForSelector('.conversation[data-id]');
    const cid = await giulia.getAttribute('.conversation[data-id]', 'data-id');
    await giulia.click(`.conversation[data-id="${cid}"]`);
    await giulia.waitForSelector('#assign-to option[value="agent:marco"]', { state: 'attached' });
    const label = await giulia.textContent('#assign-to option[value="agent:marco"]');
    assert.match(label, /Marco · online/);
    await giulia.selectOption('#assign-to', 'agent:marco');

    // Marco's phone: his at once, under "Assigned to me" too.
    await marco.waitForSelector(`.conversation[data-id="${cid}"] .tag.assignee`);
    assert.match(await marco.textContent(`.conversation[data-id="${cid}"] .tag.assignee`), /You/);
    await marco.selectOption('#assigned-filter', 'me');
    await marco.waitForSelector(`.conversation[data-id="${cid}"]`);
    await marco.selectOption('#assigned-filter', 'none');
    await waitFor('not among the unassigned', async () => !(await marco.$(`.conversation[data-id="${cid}"]`)));
    await marco.selectOption('#assigned-filter', 'any');
    // Giulia's list names Marco.
    await waitFor('Giulia sees Marco as the assignee', async () =>
      /Marco/.test((await giulia.textContent(`.conversation[data-id="${cid}"]`)) ?? ''));

    // The visitor: the line in Italian, once; Marco in the header.
    await waitFor('the visitor is told in Italian', async () => (await notes(shop)).includes('Ora ti risponde Marco'));
    await waitFor('the header names Marco', async () => (await header(shop)) === 'Marco');

    // Marco, on his phone, transfers it to the group.
    await marco.click(`.conversation[data-id="${cid}"]`);
    await marco.waitForSelector('#assign-to option[value="group:sales"]', { state: 'attached' });
    await noViolations(marco, 'phone, dark, the Assign control');
    await marco.selectOption('#assign-to', 'group:sales');
    await waitFor('the visitor is told of the transfer', async () =>
      (await notes(shop)).includes('Ti abbiamo messo in contatto con Vendite'));
    await waitFor('nobody in the header after a transfer', async () => (await header(shop)) === '');
    await waitFor('Giulia sees it in Vendite, unassigned', async () => {
      const row = (await giulia.textContent(`.conversation[data-id="${cid}"]`)) ?? '';
      return /sales/.test(row) && !(await giulia.$(`.conversation[data-id="${cid}"] .tag.assignee`));
    });
    await noViolations(giulia, 'desktop, light, the Assign control');

    // After a reload: both lines in the history, each once.
    await shop.close();
    shop = await shopCtx.newPage();
    pages.push(shop);
    await shop.goto(`${shopServer.origin}/bollitore?site=${s.site}`);
    await shop.waitForFunction(() => document.querySelector('presenza-widget')?.shadowRoot?.getElementById('w'));
    await openChat(shop, 'chat');
    await waitFor('the history is back', async () => (await notes(shop)).length >= 2);
    assert.deepEqual(await notes(shop), ['Ora ti risponde Marco', 'Ti abbiamo messo in contatto con Vendite']);
  }));
