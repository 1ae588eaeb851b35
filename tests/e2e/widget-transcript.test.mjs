// "Email me this conversation" (issue 13, the widget's side of the e-mail
// issue's transcript): an Italian visitor on the demo shop writes, an agent
// replies, the visitor asks for the conversation by e-mail from the chat
// panel (desktop, then a 390×844 phone), and the e-mail the edge sends holds
// the conversation; the panel with the form open passes axe; a site with
// e-mail off offers no such action.
//
// The e-mail is read where a local run records it: wrangler dev logs each
// call of the `send_email` binding at `info` level, with the path of a file
// holding its text (as in tests/tests/api/mail.rs). The shared edge runs at
// `warn`, so this test starts its own edge (PRESENZA_URL is ignored).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN_TOKEN = `transcript-admin-${randomBytes(8).toString('hex')}`;
const DIR = path.join(ROOT, `target/e2e-transcript-${process.pid}`);
const LOG = path.join(DIR, 'wrangler.log');

/** A free TCP port on 127.0.0.1. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** `wrangler dev` at `info` level with e-mail on (EMAIL_FROM), in its own process group. */
async function startEdge() {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const port = await freePort();
  const fd = openSync(LOG, 'a');
  const child = spawn(
    'node',
    [
      'node_modules/wrangler/bin/wrangler.js', 'dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--inspector-port', String(await freePort()),
      '--persist-to', DIR,
      '--var', `ADMIN_TOKEN:${ADMIN_TOKEN}`,
      '--var', 'EMAIL_FROM:notifications@presenza.test',
      '--show-interactive-dev-session=false',
      '--log-level', 'info',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', PRESENZA_SKIP_BUILD: '1', CI: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      detached: true,
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  };
  process.on('exit', kill);
  const base = `http://127.0.0.1:${port}`;
  const end = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return { base, kill };
    } catch {}
    if (Date.now() > end || child.exitCode !== null) {
      kill();
      throw new Error(`the edge did not start; its log:\n${readFileSync(LOG, 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Every e-mail the edge recorded so far: `{ to, subject, text }`. */
function recordedMails() {
  // eslint-disable-next-line no-control-regex
  const log = readFileSync(LOG, 'utf8').replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
  return log
    .split('send_email binding called with MessageBuilder:')
    .slice(1)
    .map((chunk) => {
      const field = (name) => chunk.split('\n').map((l) => l.trim()).find((l) => l.startsWith(name))?.slice(name.length).trim();
      const file = field('Text:');
      let text = '';
      try {
        text = file ? readFileSync(file, 'utf8') : '';
      } catch {}
      return { to: field('To:'), subject: field('Subject:'), text };
    });
}

const edge = await startEdge();
process.env.PRESENZA_URL = edge.base;
process.env.PRESENZA_ADMIN_TOKEN = ADMIN_TOKEN;
const { chatState, createSite, demoUrl, openChat, say, sharedBrowser, waitFor, waitForStatus } = await import('./lib.mjs');
const { axeViolations } = await import('./console-lib.mjs');
const it = JSON.parse(readFileSync(path.join(ROOT, 'widget/i18n/chat/it.json'), 'utf8'));
const { withPage } = sharedBrowser('transcript');

let passed = 0;
after(() => {
  edge.kill();
  if (passed === 2) rmSync(DIR, { recursive: true, force: true });
});

/** The transcript action, its form and its messages as the visitor sees them. */
function transcriptState(page) {
  return page.evaluate(() => {
    const r = document.querySelector('presenza-widget').shadowRoot;
    const el = (id) => r.getElementById(id);
    const box = (e) => {
      const b = e.getBoundingClientRect();
      return { top: b.top, bottom: b.bottom, left: b.left, right: b.right, width: b.width };
    };
    return {
      action: el('tb').hidden ? null : el('tb').textContent,
      expanded: el('tb').getAttribute('aria-expanded'),
      form: !el('tf').hidden,
      label: r.querySelector('label[for=ti]').textContent,
      address: el('ti').value,
      invalid: el('ti').getAttribute('aria-invalid'),
      error: el('te').textContent,
      sent: el('td').textContent,
      sentRole: el('td').getAttribute('role'),
      active: r.activeElement?.id ?? null,
      boxes: { action: box(el('tb')), form: box(el('tf')), panel: box(el('p')) },
    };
  });
}

/** The site with Giulia online and e-mail on. */
async function shop() {
  const site = await createSite();
  await site.settings({ email: { enabled: true } });
  const giulia = await site.agent('giulia', { name: 'Giulia' });
  await giulia.status('online');
  return { site, giulia };
}

/** Waits for the one e-mail to `to` whose text holds `marker`. */
const mailTo = (to, marker) =>
  waitFor(`the transcript e-mail to ${to}`, async () => recordedMails().find((m) => m.to === to && m.text.includes(marker)), 15_000, 200);

test('an Italian visitor asks for the conversation by e-mail and gets it', async () => {
  const { site, giulia } = await shop();
  const marker = `Guji-${randomBytes(4).toString('hex')}`;
  await withPage(
    'italian',
    demoUrl(site.id, { lang: 'it' }),
    async (page) => {
      await waitForStatus(page, 'online');
      await openChat(page, 'chat');
      // No conversation yet: nothing to send.
      assert.equal((await transcriptState(page)).action, null);
      await say(page, `Il ${marker} va bene per l'espresso?`);
      const [conv] = await giulia.conversations();
      await giulia.reply(conv.id, `Sì, il ${marker} è ottimo anche per l'espresso.`);
      await waitFor('the reply', async () => (await chatState(page)).messages.length === 2);

      let t = await waitFor('the action', async () => {
        const s = await transcriptState(page);
        return s.action && s;
      });
      assert.equal(t.action, it.transcript);
      assert.equal(t.expanded, 'false');
      assert.equal(t.form, false);

      // Keyboard: the action opens the form, the focus goes into the
      // address (empty: this visitor gave none).
      await page.locator('presenza-widget #tb').focus();
      await page.keyboard.press('Enter');
      t = await transcriptState(page);
      assert.deepEqual(
        { form: t.form, expanded: t.expanded, active: t.active, label: t.label, address: t.address },
        { form: true, expanded: 'true', active: 'ti', label: it.email, address: '' },
      );

      // A wrong address: said in Italian, tied to the field, nothing sent.
      await page.keyboard.type('marco@');
      await page.keyboard.press('Enter');
      t = await transcriptState(page);
      assert.deepEqual({ error: t.error, invalid: t.invalid, active: t.active }, { error: it.err_invalid_email, invalid: 'true', active: 'ti' });
      assert.deepEqual(await axeViolations(page), [], 'WCAG 2.2 AA with the form open and an error');

      await page.locator('presenza-widget #ti').fill('marco@example.com');
      await page.keyboard.press('Enter');
      t = await waitFor('the confirmation', async () => {
        const s = await transcriptState(page);
        return s.sent && s;
      });
      assert.deepEqual(
        { sent: t.sent, role: t.sentRole, form: t.form, error: t.error, active: t.active },
        { sent: it.transcript_sent.replace('{email}', 'marco@example.com'), role: 'status', form: false, error: '', active: 'tb' },
      );
      assert.deepEqual(await axeViolations(page), [], 'WCAG 2.2 AA with the confirmation');

      // The e-mail holds the conversation: the question and the reply.
      const mail = await mailTo('marco@example.com', marker);
      assert.ok(mail.text.includes(`Il ${marker} va bene per l'espresso?`), mail.text);
      assert.ok(mail.text.includes(`Sì, il ${marker} è ottimo anche per l'espresso.`), mail.text);
      assert.deepEqual(page.noise, []);
    },
    { locale: 'it-IT' },
  );
  passed += 1;
});

test('on a phone the form fits, is prefilled with the page\'s visitor, and e-mail off hides the action', async () => {
  const { site, giulia } = await shop();
  const marker = `phone-${randomBytes(4).toString('hex')}`;
  const phone = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: 'it-IT' };
  await withPage(
    'phone',
    demoUrl(site.id, { lang: 'it' }),
    async (page) => {
      await waitForStatus(page, 'online');
      await page.evaluate(() => presenza('visitor', { name: 'Ada Rossi', email: 'ada@example.com' }));
      await openChat(page, 'chat');
      await say(page, `Ciao ${marker}`);
      const [conv] = await giulia.conversations();
      await giulia.reply(conv.id, `Buongiorno ${marker}`);
      await waitFor('the action', async () => (await transcriptState(page)).action);
      await page.locator('presenza-widget #tb').tap();
      let t = await transcriptState(page);
      assert.deepEqual({ form: t.form, address: t.address }, { form: true, address: 'ada@example.com' });
      // Full screen, the action and the form inside the viewport.
      assert.deepEqual(t.boxes.panel, { top: 0, bottom: 844, left: 0, right: 390, width: 390 });
      for (const b of [t.boxes.action, t.boxes.form]) assert.ok(b.left >= 0 && b.right <= 390 && b.bottom <= 844, JSON.stringify(t.boxes));
      assert.ok(t.boxes.action.width >= 24, 'a target of 24 px at least');
      assert.deepEqual(await axeViolations(page), [], 'WCAG 2.2 AA on a phone with the form open');
      await page.locator('presenza-widget #tf button').tap();
      t = await waitFor('the confirmation', async () => {
        const s = await transcriptState(page);
        return s.sent && s;
      });
      assert.equal(t.sent, it.transcript_sent.replace('{email}', 'ada@example.com'));
      const mail = await mailTo('ada@example.com', marker);
      assert.ok(mail.text.includes(`Buongiorno ${marker}`), mail.text);

      // The owner turns e-mail off: after a reload the action is gone.
      await site.settings({ email: { enabled: false } });
      await page.reload();
      await waitForStatus(page, 'online');
      await openChat(page, 'chat');
      await waitFor('the conversation again', async () => (await chatState(page)).messages.length === 2);
      assert.equal((await transcriptState(page)).action, null);
      assert.deepEqual(page.noise, []);
    },
    phone,
  );
  passed += 1;
});
