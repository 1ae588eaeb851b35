// The agent's own picture (issue 14), in a real browser: an agent on a
// phone chooses a picture file (a generated PNG, not square) from their
// picture's menu, the console crops and resizes it in a canvas, previews
// it and uploads it; their status menu shows it, their other device gets it
// live, and a visitor's widget on a shop of another origin shows it (and
// their name) in the panel's header once they reply. Removing it brings
// the initials back, on the devices and in the open widget at once. The console with the preview and the picture passes
// axe-core (WCAG 2.2 AA), light and dark.

import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, PHONE, axeViolations, createSite, scenario as sharedScenario, sharedBrowser, signIn, waitFor, startShop,
} from './console-lib.mjs';
import { openChat, say } from './lib.mjs';

const shared = sharedBrowser('agent-picture');
const scenario = (name, body) => sharedScenario(shared.browser(), name, body);

/** A `w`×`h` PNG, left half red and right half blue (so the crop shows). */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) row.set(x < w / 2 ? [220, 30, 60] : [30, 80, 220], 1 + x * 3);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let shopServer;
let dir;
let pictureFile;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'presenza-picture-'));
  pictureFile = path.join(dir, 'me.png');
  // Larger than the edge takes (512 px), and not square: the console
  // crops and resizes it before upload.
  writeFileSync(pictureFile, png(900, 600));
  shopServer = await startShop((snippet) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Blue kettle</title></head>
<body><h1>Blue kettle</h1>${snippet}</body></html>`);
});
after(() => {
  shopServer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The avatar: its picture's URL when shown, and whether the initials show. */
const avatar = (page) => page.evaluate(() => {
  const img = document.querySelector('#avatar .photo');
  return {
    src: img && !img.hidden ? img.getAttribute('src') : null,
    loaded: !!img && !img.hidden && img.complete && img.naturalWidth > 0,
    initials: !document.querySelector('#avatar .initials').hidden,
  };
});

/** The widget's header: the agent's name, their picture and initial. */
const header = (page) => page.evaluate(() => {
  const r = document.querySelector('presenza-widget').shadowRoot;
  const img = r.getElementById('ap');
  return {
    name: r.getElementById('an')?.hidden ? '' : r.getElementById('an')?.textContent,
    src: img && !img.hidden ? img.src : null,
    loaded: !!img && !img.hidden && img.complete && img.naturalWidth > 0,
    size: img ? [img.getAttribute('width'), img.getAttribute('height')] : null,
    initial: !r.getElementById('av').hidden,
  };
});

/** Chooses the picture from the menu, by keyboard only, and waits for its preview. */
async function choosePicture(page) {
  await page.focus('#avatar');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#status-menu:not([hidden])');
  for (let i = 0; i < 8; i++) {
    if (await page.evaluate(() => document.activeElement?.dataset.action === 'picture-choose')) break;
    await page.keyboard.press('ArrowDown');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Change picture…');
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Enter');
  await (await chooser).setFiles(pictureFile);
  await page.waitForSelector('#picture-panel:not([hidden]) #picture-preview:not([hidden])');
}

test('an agent uploads a picture from the console and a widget on another origin shows it', { timeout: 120_000 }, () =>
  scenario('upload', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('giulia', 'Giulia Rossi');
    const phone = await signIn(await open(PHONE), s.site, token);
    pages.push(phone);
    await phone.waitForSelector('#conn[data-state=live]');
    const desk = await signIn(await open(DESKTOP), s.site, token);
    pages.push(desk);
    await desk.waitForSelector('#conn[data-state=live]');
    assert.equal((await avatar(phone)).initials, true, 'initials before any picture');

    await choosePicture(phone);
    // The preview is the cropped square, made in the browser.
    const preview = await phone.evaluate(() => {
      const img = document.getElementById('picture-preview');
      return { w: img.naturalWidth, h: img.naturalHeight, alt: img.alt };
    });
    assert.deepEqual(preview, { w: 256, h: 256, alt: 'Preview of your new picture' });
    assert.equal(await phone.evaluate(() => document.activeElement?.id), 'picture-save', 'focus on Save');
    const uploaded = phone.waitForResponse((r) => r.url().endsWith('/agents/me/picture') && r.request().method() === 'PUT');
    await phone.keyboard.press('Enter');
    const response = await uploaded;
    assert.equal(response.status(), 200);
    const sent = response.request().headers()['content-type'];
    assert.ok(['image/webp', 'image/png'].includes(sent), sent);
    const version = (await response.json()).picture;
    assert.match(version, /^[0-9a-f]{16}$/);

    // The status menu's picture, here and on the other device (live).
    for (const page of [phone, desk]) {
      const a = await waitFor('the picture on the avatar', async () => {
        const v = await avatar(page);
        return v.loaded && v;
      }, 10_000);
      assert.ok(a.src.endsWith(`/agents/giulia/picture?v=${version}`), a.src);
      assert.equal(a.initials, false);
    }
    assert.equal(await phone.evaluate(() => !!document.querySelector('#picture-panel[hidden]')), true, 'the preview closed');

    // A visitor on another origin; the agent replies; the header shows them.
    const shop = await (await open(DESKTOP)).newPage();
    pages.push(shop);
    await shop.goto(`${shopServer.origin}/product?site=${s.site}`);
    await shop.waitForFunction(() => document.querySelector('presenza-widget')?.shadowRoot?.getElementById('w'));
    await openChat(shop, 'chat');
    await say(shop, 'Is the kettle in stock?');
    await desk.waitForSelector('.conversation[data-id]');
    await desk.click('.conversation[data-id]');
    await desk.waitForSelector('.conversation-view #reply-text');
    await desk.locator('#reply-text').fill('Yes, two left.');
    await desk.locator('#reply-text').press('Enter');
    const shown = await waitFor('the agent in the widget header', async () => {
      const h = await header(shop);
      return h.loaded && h;
    }, 10_000);
    assert.equal(shown.name, 'Giulia Rossi');
    assert.equal(shown.src, `${BASE}/v1/sites/${s.site}/agents/giulia/picture?v=${version}`);
    assert.deepEqual(shown.size, ['36', '36'], 'sized before it loads');
    assert.equal(shown.initial, false);
    // The inbox shows who replied with their picture.
    await desk.waitForSelector(`.message.from-agent .agent-face img[src$="v=${version}"]`);

    // Removed from the menu: the initials are back on both devices, and in
    // the open widget's header at once (no new message needed).
    await phone.click('#avatar');
    await phone.click('#status-menu [data-action=picture-remove]');
    for (const page of [phone, desk]) {
      await waitFor('the initials again', async () => {
        const v = await avatar(page);
        return v.initials && !v.src && v;
      }, 10_000);
    }
    const initial = await waitFor('the initial in the widget header', async () => {
      const h = await header(shop);
      return h.initial && !h.src && h;
    }, 10_000);
    assert.equal(initial.name, 'Giulia Rossi');
  }));

test('the picture preview and the picture pass axe-core, light and dark', { timeout: 120_000 }, () =>
  scenario('axe', async ({ pages, open }) => {
    const s = await createSite();
    const token = await s.agent('marco', 'Marco Bianchi');
    for (const colorScheme of ['light', 'dark']) {
      const page = await signIn(await open({ ...PHONE, colorScheme }), s.site, token);
      pages.push(page);
      await page.waitForSelector('#conn[data-state=live]');
      await choosePicture(page);
      let violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme} preview: ${JSON.stringify(violations, null, 1)}`);
      await page.click('#picture-save');
      // The device's own frame may show the picture before the PUT's answer
      // closes the panel: the audit is of the page once both are done.
      await page.waitForSelector('#picture-panel', { state: 'hidden' });
      await waitFor('the picture on the avatar', async () => (await avatar(page)).loaded, 10_000);
      violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme} with the picture: ${JSON.stringify(violations, null, 1)}`);
    }
  }));
