// A restart of the runtime mid-conversation (issue 6): a visitor on the demo
// page and an agent in the console, in two browser contexts, talk before and
// after `wrangler dev` is stopped and started again on the same port and the
// same persisted state. Nothing may be lost or duplicated: not in the edge's
// history, not on the visitor's page (before and after a reload), not in the
// console.
//
// This test starts its own edge (the shared one of `cargo xtask test` cannot
// be restarted from here), so it needs no env; PRESENZA_URL is ignored.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiAt, chatState, launch, openChat, screenshot, waitFor, widgetState } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN = `restart-admin-${randomBytes(8).toString('hex')}`;
const LONG = 90_000;

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Removes `e2e-restart-{pid}` folders of earlier runs whose process is gone. */
function removeStaleStates() {
  const parent = path.join(ROOT, 'target');
  let entries = [];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = name.match(/^e2e-restart-(\d+)$/);
    if (m && Number(m[1]) !== process.pid && !existsSync(`/proc/${m[1]}`)) {
      rmSync(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

/**
 * A local `wrangler dev` in its own process group, with its state persisted
 * in `dir`: `{ base, start(), stop(), restart() }`.
 */
function localEdge(port, dir) {
  const log = path.join(dir, 'wrangler.log');
  const base = `http://127.0.0.1:${port}`;
  let child = null;
  let exited = null;

  const tail = () => {
    try {
      return readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {}
  };

  const edge = {
    base,
    async start() {
      for (const f of ['edge/build/index.js', 'node_modules/wrangler/bin/wrangler.js']) {
        if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing`);
      }
      mkdirSync(dir, { recursive: true });
      const fd = openSync(log, 'a');
      const inspector = await freePort();
      child = spawn(
        'node',
        [
          'node_modules/wrangler/bin/wrangler.js', 'dev',
          '--ip', '127.0.0.1',
          '--port', String(port),
          '--inspector-port', String(inspector),
          '--persist-to', dir,
          '--var', `ADMIN_TOKEN:${ADMIN}`,
          '--show-interactive-dev-session=false',
          '--log-level', 'warn',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, WRANGLER_SEND_METRICS: 'false', PRESENZA_SKIP_BUILD: '1', CI: 'true' },
          detached: true,
          stdio: ['ignore', fd, fd],
        },
      );
      closeSync(fd);
      exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve(`${code ?? sig}`)));
      let gone = null;
      exited.then((s) => (gone = s));
      const end = Date.now() + 90_000;
      for (;;) {
        if (gone !== null) throw new Error(`wrangler dev exited (${gone}) before the edge answered; its log:\n${tail()}`);
        try {
          const res = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (res.status === 200) return;
        } catch {}
        if (Date.now() > end) {
          await edge.stop();
          throw new Error(`the edge did not answer /v1/health in 90 s; wrangler's log:\n${tail()}`);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async stop() {
      if (!child) return;
      killGroup('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      // Whatever is left of the group (workerd) is ended.
      killGroup('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      child = null;
    },
    /** Synchronous last resort (process exit). */
    kill() {
      if (child) killGroup('SIGKILL');
    },
    async restart() {
      await edge.stop();
      await edge.start();
    },
  };
  return edge;
}

let edge;
let browser;
let dir;
let passed = false;
const onExit = () => edge?.kill();

before(async () => {
  removeStaleStates();
  dir = path.join(ROOT, `target/e2e-restart-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  process.on('exit', onExit);
  edge = localEdge(await freePort(), dir);
  await edge.start();
  browser = await launch();
});

after(async () => {
  await browser?.close().catch(() => {});
  await edge?.stop();
  process.off('exit', onExit);
  if (passed) rmSync(dir, { recursive: true, force: true });
});

/** One API call against this test's edge; throws unless 2xx. */
async function api(method, urlPath, token, body) {
  const r = await apiAt(edge.base, method, urlPath, token, body);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${urlPath}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The texts of `page`'s widget chat. */
const widgetTexts = async (page) => ((await chatState(page))?.messages ?? []).map((m) => m.text);
/** The texts of the console's open conversation. */
const consoleTexts = (page) => page.$$eval('.messages .message-text', (els) => els.map((e) => e.textContent));
const count = (list, text) => list.filter((t) => t === text).length;

/** Writes `text` in the widget and waits (long) for the edge's ack. */
async function say(page, text) {
  const composer = page.locator('presenza-widget #f');
  await composer.fill(text);
  await composer.press('Enter');
  return waitFor(
    `"${text}" acknowledged in the widget`,
    async () => {
      const c = await chatState(page);
      const mine = c.messages.filter((m) => m.text === text);
      return mine.length === 1 && mine[0].class === 'm v' && c;
    },
    LONG,
    100,
  );
}

/** Waits for the agent's `text` in the widget (once). */
function widgetGets(page, text) {
  return waitFor(
    `"${text}" in the widget`,
    async () => (await chatState(page))?.messages.some((m) => m.text === text && m.class === 'm a'),
    LONG,
    100,
  );
}

/** The agent replies `text` in the open conversation and waits until it is sent. */
async function reply(page, text) {
  await page.fill('#reply-text', text);
  await page.press('#reply-text', 'Enter');
  await page.waitForSelector(`.messages .from-agent[data-state=sent] >> text=${text}`, { timeout: LONG });
}

test('a restart of the runtime mid-conversation loses and duplicates nothing', { timeout: 180_000 }, async () => {
  const { site_id: site, owner_key: owner } = await api('POST', '/v1/sites', ADMIN, {});
  const created = await api('PUT', `/v1/sites/${site}/agents/ann`, owner, { name: 'Ann Lee', groups: [] });
  const token = created.token ?? created.agent?.token;
  assert.ok(token, 'the agent has a token');

  const agentCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const visitorCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  let agent;
  let visitor;
  try {
    // The agent signs in (the device socket makes them online).
    agent = await agentCtx.newPage();
    await agent.goto(`${edge.base}/console/?site=${site}`);
    await agent.fill('#token', token);
    await agent.click('form[data-action=signin] button[type=submit]');
    await agent.waitForSelector('#conn[data-state=live]', { timeout: LONG });

    // The visitor writes.
    visitor = await visitorCtx.newPage();
    // The widget's live sockets, to see it reconnect after the restart.
    const sockets = [];
    visitor.on('websocket', (ws) => {
      const s = { url: ws.url(), opened: Date.now(), frames: 0, closed: false };
      sockets.push(s);
      ws.on('framereceived', () => s.frames++);
      ws.on('close', () => (s.closed = true));
    });
    await visitor.goto(`${edge.base}/?site=${encodeURIComponent(site)}`);
    await waitFor('the widget to show online', async () => (await widgetState(visitor))?.status === 'online', LONG, 100);
    await openChat(visitor, 'chat');
    await say(visitor, 'before restart');

    // The agent sees it, opens it and replies; the visitor gets the reply.
    const cid = (await waitFor('the conversation on the edge', async () =>
      (await api('GET', `/v1/sites/${site}/conversations`, token)).conversations[0], LONG, 100)).id;
    const item = `.conversation[data-id="${cid}"]`;
    await agent.waitForSelector(item, { timeout: LONG });
    await agent.click(item);
    await agent.waitForSelector('.messages .from-visitor >> text=before restart', { timeout: LONG });
    await reply(agent, 'reply before');
    await widgetGets(visitor, 'reply before');

    // The runtime restarts on the same port and state.
    await edge.stop();
    // Both pages notice the lost connection (tolerated if they are quick to
    // come back or slow to tell).
    await agent.waitForSelector('#conn:not([data-state=live])', { timeout: 15_000 }).catch(() => {});
    await waitFor('the widget\'s socket to close', () => sockets.length > 0 && sockets.every((s) => s.closed), 15_000, 50);
    const restarted = Date.now();
    await edge.start();

    // Both reconnect by themselves.
    await agent.waitForSelector('#conn[data-state=live]', { timeout: LONG });
    await waitFor('the widget to reconnect', () =>
      sockets.some((s) => s.opened >= restarted && s.frames > 0 && !s.closed), LONG, 100);
    await waitFor('the widget to show online again', async () => (await widgetState(visitor))?.status === 'online', LONG, 100);
    await openChat(visitor, 'chat');

    await say(visitor, 'after restart');
    await waitFor('"after restart" in the console', async () => {
      if (await agent.$('.messages .from-visitor >> text=after restart')) return true;
      // The console may have closed the conversation on reconnect: open it again.
      if (!(await agent.$('.messages'))) await agent.click(item).catch(() => {});
      return false;
    }, LONG, 200);
    await reply(agent, 'reply after');
    await widgetGets(visitor, 'reply after');

    const expected = ['before restart', 'reply before', 'after restart', 'reply after'];

    // The edge's history: each message once, in order, seqs without gaps.
    const messages = await waitFor('the full history on the edge', async () => {
      const { messages } = await api('GET', `/v1/sites/${site}/conversations/${cid}/messages`, token);
      return messages.filter((m) => m.from !== 'system').length >= 4 && messages;
    }, LONG, 200);
    const spoken = messages.filter((m) => m.from !== 'system');
    assert.deepEqual(spoken.map((m) => m.text), expected, JSON.stringify(messages));
    assert.deepEqual(spoken.map((m) => m.from), ['visitor', 'agent', 'visitor', 'agent']);
    assert.ok(messages.length - spoken.length <= 2, `few system messages: ${JSON.stringify(messages)}`);
    assert.equal(new Set(messages.map((m) => m.client_id).filter(Boolean)).size, messages.filter((m) => m.client_id).length, 'client ids unique');
    for (let i = 1; i < messages.length; i++) {
      assert.equal(messages[i].seq, messages[i - 1].seq + 1, `seqs without gaps: ${JSON.stringify(messages.map((m) => m.seq))}`);
    }
    // The edge still lists one conversation.
    assert.equal((await api('GET', `/v1/sites/${site}/conversations`, token)).conversations.length, 1);

    // Give late duplicates (a resent outbox) a moment to show, then look at the pages.
    await new Promise((r) => setTimeout(r, 1000));
    const consoleSeen = await consoleTexts(agent);
    const widgetSeen = await widgetTexts(visitor);
    for (const t of expected) {
      assert.equal(count(consoleSeen, t), 1, `"${t}" once in the console: ${JSON.stringify(consoleSeen)}`);
      assert.equal(count(widgetSeen, t), 1, `"${t}" once in the widget: ${JSON.stringify(widgetSeen)}`);
    }
    assert.deepEqual(consoleSeen.filter((t) => expected.includes(t)), expected);
    assert.deepEqual(widgetSeen.filter((t) => expected.includes(t)), expected);
    const after = await api('GET', `/v1/sites/${site}/conversations/${cid}/messages`, token);
    assert.equal(after.messages.length, messages.length, 'nothing arrived late');

    // The visitor reloads: the history is still there, each message once.
    await visitor.reload();
    await waitFor('the widget after the reload', async () => (await widgetState(visitor)) !== null, LONG, 100);
    await openChat(visitor);
    const reloaded = await waitFor('the history after the reload', async () => {
      const texts = await widgetTexts(visitor);
      return expected.every((t) => texts.includes(t)) && texts;
    }, LONG, 100);
    await new Promise((r) => setTimeout(r, 500));
    const final = await widgetTexts(visitor);
    for (const t of expected) assert.equal(count(final, t), 1, `"${t}" once after the reload: ${JSON.stringify(final)}`);
    assert.deepEqual(final.filter((t) => expected.includes(t)), expected, JSON.stringify(reloaded));
    passed = true;
  } catch (e) {
    if (agent) console.log(`screenshot: ${await screenshot(agent, 'restart-agent')}`);
    if (visitor) console.log(`screenshot: ${await screenshot(visitor, 'restart-visitor')}`);
    console.log(`edge state and log: ${dir}`);
    throw e;
  } finally {
    await agentCtx.close().catch(() => {});
    await visitorCtx.close().catch(() => {});
  }
});
