// The widget end to end: Debian's chromium against the demo site in www/,
// served by the real edge in workerd. Each test makes its own site and
// agents through the API. Env: PRESENZA_URL, PRESENZA_ADMIN_TOKEN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  BASE,
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

const shared = sharedBrowser('widget');
const { open, withPage } = shared;

const inMinutes = (m) => new Date(Date.now() + m * 60_000).toISOString();

test('offline at first, then online, busy and offline live, without reload', async () => {
  const site = await createSite();
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await withPage('live', demoUrl(site.id), async (page) => {
    await page.evaluate(() => (window.__sameDocument = true));
    let s = await waitForStatus(page, 'offline', 'Leave us a message');
    assert.equal(s.label, 'Offline: Leave us a message');
    assert.equal(s.expanded, 'false');

    // An agent goes online: the launcher follows within a second.
    const t0 = Date.now();
    await giulia.status('online');
    s = await waitForStatus(page, 'online', 'Chat with us', 1000);
    const took = Date.now() - t0;
    assert.ok(took < 1000, `online shown after ${took} ms`);
    assert.equal(s.label, 'Online: Chat with us');
    assert.equal(s.announced, 'Online: Chat with us', 'the change is announced in the role=status region');

    // Busy with the agent's message and a return time.
    await giulia.status('busy', 'Back from lunch soon', inMinutes(10));
    s = await waitForStatus(page, 'busy', 'Back from lunch soon', 1000);
    assert.match(s.t2, /^back in (10|9) minutes$/);
    assert.match(s.label, /^Busy: Back from lunch soon, back in (10|9) minutes$/);
    // Busy without a message: the default text.
    await giulia.status('busy');
    s = await waitForStatus(page, 'busy', "We're busy", 1000);

    await giulia.status('offline');
    await waitForStatus(page, 'offline', 'Leave us a message', 1000);

    // The page's own listener (presenza('on', 'status')) saw every change.
    assert.match(await page.textContent('#live'), /offline \(no_agents\)/);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
    assert.deepEqual(page.noise, [], 'no console noise');
  });
});

test('outside working hours: offline, back on the opening day, in the visitor\'s own time zone', async () => {
  const site = await createSite();
  // Open only on the weekday three days from now (Rome time); an agent online changes nothing.
  const day = new Date(Date.now() + 3 * 86_400_000);
  const key = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: 'Europe/Rome' }).format(day).toLowerCase();
  const hours = await api('PUT', `/v1/sites/${site.id}/working-hours`, site.owner, {
    timezone: 'Europe/Rome',
    weekly: { [key]: [['09:00', '17:00']] },
  });
  assert.equal(hours.status, 200, JSON.stringify(hours.body));
  await (await site.agent('giulia')).status('online');
  const answer = await site.status();
  assert.equal(answer.reason, 'outside_hours');
  const at = new Date(answer.back_at);
  // The visitor is in Tokyo with British English: their weekday and 24-hour time.
  const zone = { timeZone: 'Asia/Tokyo' };
  const want = `back ${at.toLocaleDateString('en-GB', { weekday: 'long', ...zone })} ${at.toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit', ...zone })}`;
  await withPage(
    'outside-hours',
    demoUrl(site.id),
    async (page) => {
      const s = await waitForStatus(page, 'offline', 'Leave us a message');
      assert.equal(s.t2, want);
      assert.equal(s.label, `Offline: Leave us a message, ${want}`);
    },
    { timezoneId: 'Asia/Tokyo', locale: 'en-GB' },
  );
});

test('a page pinned to group A ignores group B agents and follows an ungrouped agent', async () => {
  const site = await createSite();
  await site.group('sales', 'Sales');
  await site.group('support', 'Support');
  const anna = await site.agent('anna', { groups: ['support'] });
  const marco = await site.agent('marco');
  await withPage('groups', demoUrl(site.id, { group: 'sales' }), async (page) => {
    await waitForStatus(page, 'offline');
    await anna.status('online');
    // The edge answers support's visitors at once; sales' stay offline.
    await waitFor('support to be online', async () => (await site.status('support')).status === 'online');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await widgetState(page)).status, 'offline', 'a support agent does not count for sales');
    assert.equal((await site.status('sales')).status, 'offline');

    await marco.status('online');
    await waitForStatus(page, 'online', 'Chat with us', 1000);
    // A message from this page is the sales group's: the ungrouped agent
    // sees it, the support agent does not.
    await openChat(page, 'chat');
    await say(page, 'Do you do wholesale?');
    const conv = await waitFor('the conversation for marco', async () => (await marco.conversations())[0]);
    assert.equal(conv.group, 'sales');
    assert.deepEqual(await anna.conversations(), []);
  });
});

test('keyboard only: reach the launcher, open, move around, Escape closes and returns focus', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  await withPage('keyboard', demoUrl(site.id), async (page) => {
    await waitForStatus(page, 'online');
    // Tab through the page until the launcher has focus.
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await widgetState(page)).active === 'l';
    }
    assert.ok(found, 'the launcher is reachable with Tab');
    // The focus on the launcher is an intent: the panel loads now.
    await waitFor('the panel to load', () =>
      page.evaluate(() => !!document.querySelector('presenza-widget').shadowRoot.getElementById('p')),
    );
    // Visible focus: an outline at least 2 px wide.
    const outline = await page.evaluate(() => {
      const l = document.querySelector('presenza-widget').shadowRoot.getElementById('l');
      const cs = getComputedStyle(l);
      return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
    });
    assert.notEqual(outline.style, 'none');
    assert.ok(outline.width >= 2, `focus outline ${outline.width}px`);

    await page.keyboard.press('Enter');
    let s = await waitFor('the panel to open with the composer focused', async () => {
      const st = await widgetState(page);
      return st.open && st.active === 'f' && st;
    });
    assert.equal(s.expanded, 'true');
    assert.equal(s.title, 'Chat with us', 'the dialog is labelled by its header');
    await page.keyboard.press('Tab');
    assert.equal((await chatState(page)).active, 'snd', 'then the send button');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal((await widgetState(page)).active, 'x', 'back past the composer: the close button');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    s = await widgetState(page);
    assert.equal(s.open, false);
    assert.equal(s.expanded, 'false');
    assert.equal(s.active, 'l', 'Escape returns focus to the launcher');

    // Space opens too (the composer is focused at once now); the close
    // button closes and returns focus.
    await page.keyboard.press(' ');
    await waitFor('the panel to open again', async () => (await widgetState(page)).open);
    assert.equal((await widgetState(page)).active, 'f');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    s = await widgetState(page);
    assert.equal(s.open, false);
    assert.equal(s.active, 'l');

    // Targets at least 24x24 px.
    const sizes = await page.evaluate(() => {
      const r = document.querySelector('presenza-widget').shadowRoot;
      r.getElementById('p').hidden = false;
      return ['#l', '#x', '#f', '.snd'].map((sel) => {
        const b = r.querySelector(sel).getBoundingClientRect();
        return [sel, Math.round(b.width), Math.round(b.height)];
      });
    });
    for (const [id, w, h] of sizes) assert.ok(w >= 24 && h >= 24, `#${id} is ${w}x${h}`);
  });
});

/** WCAG contrast of two computed colours "rgb(r, g, b)". */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

function colours(page) {
  return page.evaluate(() => {
    const r = document.querySelector('presenza-widget').shadowRoot;
    const cs = (id) => getComputedStyle(r.getElementById(id));
    return {
      launcher: [cs('l').color, cs('l').backgroundColor],
      panel: [cs('i').color, cs('p').backgroundColor],
      intro: [cs('i').color, cs('i').backgroundColor],
      header: [cs('h').color, getComputedStyle(r.querySelector('.hd')).backgroundColor],
      transition: cs('l').transitionDuration,
      animation: getComputedStyle(r.querySelector('.dot')).animationName,
    };
  });
}

test('dark mode, light mode, theme override and reduced motion; contrast at least 4.5:1', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  for (const scheme of ['light', 'dark']) {
    await withPage(
      `theme-${scheme}`,
      demoUrl(site.id),
      async (page) => {
        await waitForStatus(page, 'online');
        await page.evaluate(() => presenza('chat:open'));
        await waitFor('the panel', async () => (await widgetState(page)).open);
        const c = await colours(page);
        const bg = c.panel[1].match(/\d+/g).slice(0, 3).map(Number);
        const dark = bg.every((v) => v < 80);
        assert.equal(dark, scheme === 'dark', `panel background ${c.panel[1]} in ${scheme} mode`);
        for (const [what, [fg, back]] of Object.entries(c).filter(([k]) => !['transition', 'animation'].includes(k))) {
          assert.ok(contrast(fg, back) >= 4.5, `${what} contrast ${contrast(fg, back).toFixed(2)} (${fg} on ${back})`);
        }
        assert.notEqual(c.transition, '0s', 'motion when not reduced');
        assert.equal(c.animation, 'pz');
        // The page (or the site) can force a theme against the system's.
        await page.evaluate((t) => presenza('theme', t), scheme === 'dark' ? 'light' : 'dark');
        const forced = (await colours(page)).panel[1].match(/\d+/g).map(Number);
        assert.equal(forced.slice(0, 3).every((v) => v < 80), scheme !== 'dark');
      },
      { colorScheme: scheme },
    );
  }
  await withPage(
    'reduced-motion',
    demoUrl(site.id),
    async (page) => {
      await waitForStatus(page, 'online');
      // The pointer over the launcher brings the panel.
      await page.hover('presenza-widget #l');
      await waitFor('the panel to load', () =>
        page.evaluate(() => !!document.querySelector('presenza-widget').shadowRoot.getElementById('p')),
      );
      const c = await colours(page);
      assert.equal(c.transition, '0s');
      assert.equal(c.animation, 'none');
    },
    { reducedMotion: 'reduce' },
  );
});

test('the host page keeps its styles and globals (hostile global CSS)', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  const snapshot = (page) =>
    page.evaluate(() => ({
      styles: ['title', 'para', 'box'].map((id) => {
        const cs = getComputedStyle(document.getElementById(id));
        return [cs.color, cs.fontFamily, cs.fontSize, cs.display, cs.transform, cs.lineHeight].join('|');
      }),
      globals: Object.getOwnPropertyNames(window).filter((k) => k !== '__pageGlobals').sort(),
      mine: [wasm, init, boot, command, on, $()],
      sheets: document.styleSheets.length,
      adopted: document.adoptedStyleSheets.length,
      head: [...document.head.children].map((e) => e.tagName + (e.src ? ' ' + new URL(e.src).pathname : '')),
      bodyKids: [...document.body.children].map((e) => e.tagName),
    }));
  // The same page without a site loads no widget: the reference.
  const reference = await open(`${BASE}/test/aggressive-css.html`);
  const before = await snapshot(reference);
  await reference.context().close();

  await withPage('aggressive-css', `${BASE}/test/aggressive-css.html?site=${site.id}`, async (page) => {
    await waitForStatus(page, 'online');
    const now = await snapshot(page);
    assert.deepEqual(now.styles, before.styles, 'computed styles of the page unchanged');
    assert.deepEqual(now.mine, ['page wasm', 'page init', 'page boot', 'page command', 'page on', 'page jquery']);
    assert.deepEqual(
      now.globals.filter((k) => !before.globals.includes(k)),
      ['presenza'],
      'the only new global is presenza',
    );
    assert.equal(now.sheets, before.sheets);
    assert.equal(now.adopted, 0);
    assert.deepEqual(now.head, [...before.head, 'SCRIPT /widget/loader.js']);
    assert.deepEqual(now.bodyKids, [...before.bodyKids, 'PRESENZA-WIDGET']);
    // The widget itself is intact: visible, on top, clickable.
    const box = await page.evaluate(() => {
      const r = document.querySelector('presenza-widget').shadowRoot;
      const b = r.getElementById('l').getBoundingClientRect();
      const cs = getComputedStyle(r.getElementById('l'));
      const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
      return { w: b.width, h: b.height, font: cs.fontFamily, hit: hit && hit.tagName };
    });
    assert.ok(box.w > 100 && box.h >= 44, `launcher ${box.w}x${box.h}`);
    assert.doesNotMatch(box.font, /Comic/);
    assert.equal(box.hit, 'PRESENZA-WIDGET');
    await page.mouse.click(1280 - 60, 800 - 40);
    await waitFor('the panel to open by click', async () => (await widgetState(page)).open);
    assert.deepEqual(page.noise, []);
  });
});

test('a CSP that forbids Wasm gets a plain link; the documented CSP line works', async () => {
  const site = await createSite();
  await (await site.agent('giulia')).status('online');
  await withPage('csp-fallback', `${BASE}/test/csp.html?site=${site.id}`, async (page) => {
    const link = await waitFor('the fallback link', () =>
      page.evaluate(() => {
        const a = document.querySelector('presenza-widget')?.shadowRoot?.querySelector('a');
        return a && { href: a.getAttribute('href'), text: a.textContent, target: a.target };
      }),
    );
    assert.equal(link.href, `${BASE}/chat.html?site=${site.id}&group=&lang=&hl=en`);
    assert.equal(link.text, 'Chat with us');
    assert.equal(link.target, '_blank');
    assert.equal(await widgetState(page), null, 'no Wasm widget');
    assert.deepEqual(page.noise.filter((n) => n.startsWith('pageerror')), [], 'nothing thrown into the page');
    // The link leads to the hosted chat page, which shows the status.
    const chat = await page.context().newPage();
    await chat.goto(link.href);
    await waitFor('the chat page status', async () => (await chat.textContent('#state')) === 'Online');
  });
  await withPage('csp-ok', `${BASE}/test/csp-ok.html?site=${site.id}`, async (page) => {
    await waitForStatus(page, 'online', 'Chat with us');
    // The chat module too (an ES module import, constructed stylesheets).
    await openChat(page, 'chat');
    await say(page, 'Hello from a strict page');
    assert.deepEqual(page.noise, [], 'no CSP violations with the documented policy');
  });
});

test('queued commands and languages: Czech from the page, texts from the site', async () => {
  const site = await createSite();
  await site.settings({ widget: { texts: { offline: 'Napište nám, odpovíme do hodiny' } } });
  const giulia = await site.agent('giulia');
  await withPage('czech', demoUrl(site.id, { lang: 'cs' }), async (page) => {
    let s = await waitForStatus(page, 'offline', 'Napište nám, odpovíme do hodiny');
    assert.equal(s.lang, 'cs');
    assert.equal(s.label, 'Offline: Napište nám, odpovíme do hodiny');
    await giulia.status('busy', null, inMinutes(3));
    s = await waitForStatus(page, 'busy', 'Jsme zaneprázdněni');
    assert.match(s.t2, /^zpět za (3|2) minut[yu]$/);
  });
  // navigator.languages decides when neither the page nor the site does:
  // a site's language is null (auto) by default, and null or "auto" unset it.
  const fresh = await api('GET', `/v1/sites/${(await createSite()).id}/widget-config`);
  assert.equal(fresh.body.widget.language, null, 'auto by default');
  await site.settings({ widget: { language: 'it' } });
  const auto = await api('PUT', `/v1/sites/${site.id}/settings`, site.owner, { widget: { language: 'auto' } });
  assert.equal(auto.status, 200, JSON.stringify(auto.body));
  assert.equal(auto.body.widget.language, null, '"auto" is null');
  await site.settings({ widget: { language: 'it' } });
  const unset = await api('PUT', `/v1/sites/${site.id}/settings`, site.owner, { widget: { texts: {}, language: null } });
  assert.equal(unset.status, 200, JSON.stringify(unset.body));
  assert.equal(unset.body.widget.language, null);
  await withPage(
    'german',
    demoUrl(site.id),
    async (page) => {
      const s = await waitForStatus(page, 'busy');
      assert.equal(s.lang, 'de');
      assert.equal(s.t1, 'Wir sind gerade beschäftigt');
    },
    { locale: 'de-DE' },
  );
});
