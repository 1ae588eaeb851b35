// A site stored by the schema-2 edge (one conversation per visitor, no
// conversation state, no message kind) keeps every conversation and message
// when the current edge starts on that storage, and closing, reopening and a
// new conversation after a close then work on it. No browser: three runtimes
// in turn on one persisted Durable Object store, in workerd via Miniflare
// (tests/bench/edge-miniflare.mjs), as across a deploy.
//
// 1. The current edge makes a site, a busy agent and a visitor's
//    conversation with its automatic busy reply.
// 2. A small JS worker with the same Durable Object identity (worker
//    "presenza", class "SiteObject") rewrites the conversations and messages
//    tables into their schema-2 shape (DDL as of commit 51f1193), keeping the
//    rows: the store is then what the schema-2 edge left.
// 3. The current edge again, on that store: its start-up migration must bring
//    back the same conversation, messages and kinds, and the widget's texts
//    of before languages (a flat map) read as texts of every language.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, createSite, must, onNewStore, storeWorker } from './store-lib.mjs';

// Schema 2 (commit 51f1193): `visitor_id … UNIQUE` and no state columns;
// messages without `kind`. Rows are copied over.
const TO_SCHEMA_2 = [
  'ALTER TABLE conversations RENAME TO conversations_now',
  `CREATE TABLE conversations (
     id TEXT PRIMARY KEY, visitor_id TEXT NOT NULL UNIQUE, grp TEXT,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0, last_visitor_seq INTEGER NOT NULL DEFAULT 0,
     last_agent_seq INTEGER NOT NULL DEFAULT 0, busy_reply_sent INTEGER NOT NULL DEFAULT 0)`,
  `INSERT INTO conversations SELECT id, visitor_id, grp, created_at, updated_at, last_seq,
     last_visitor_seq, last_agent_seq, busy_reply_sent FROM conversations_now`,
  'DROP TABLE conversations_now',
  'CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at DESC, id)',
  'CREATE INDEX IF NOT EXISTS conversations_by_group ON conversations (grp)',
  'ALTER TABLE messages RENAME TO messages_now',
  `CREATE TABLE messages (
     conversation_id TEXT NOT NULL, seq INTEGER NOT NULL,
     client_key TEXT NOT NULL, client_id TEXT NOT NULL,
     sender TEXT NOT NULL, agent_id TEXT, agent_name TEXT,
     text TEXT NOT NULL, at INTEGER NOT NULL,
     PRIMARY KEY (conversation_id, seq), UNIQUE (conversation_id, client_key))`,
  `INSERT INTO messages SELECT conversation_id, seq, client_key, client_id, sender, agent_id,
     agent_name, text, at FROM messages_now`,
  'DROP TABLE messages_now',
  "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
  // Widget texts before they had languages: one flat map for every language.
  `INSERT OR REPLACE INTO meta (key, value) VALUES ('widget',
     '{"title":null,"accent_color":"#aa3300","position":"right","offset_x":20,"offset_y":20,"language":null,"texts":{"offline":"Napište nám","online":"Ahoj"},"theme":"auto"}')`,
];

const STORE_WORKER = storeWorker(TO_SCHEMA_2, {
  conversations: 'tableSql("conversations")',
  messages: 'tableSql("messages")',
  rows: 'count("messages")',
});

test('a schema-2 store keeps its conversations and messages under the current edge', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER }, async ({ withEdge, onStore }) => {
    const visitorHeader = {
      'X-Presenza-Visitor': `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
    };
    // 1. Data made by the real flows.
    const { site, agent, conversationId } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      const agent = (await must('add agent', call(edge.url, 'PUT', `/v1/sites/${site}/agents/giulia`, {
        token: owner, body: { name: 'Giulia', groups: [] },
      }))).token;
      await must('busy', call(edge.url, 'PUT', `/v1/sites/${site}/agents/me/status`, {
        token: agent, body: { status: 'busy', message: 'Back in ten minutes' },
      }));
      const sent = await must('visitor writes', call(edge.url, 'POST', `/v1/sites/${site}/visitor/messages`, {
        headers: visitorHeader, body: { client_id: 'c_1', text: 'Is it in stock?', group: null },
      }));
      const conversationId = sent.conversation_id;
      await must('agent replies', call(edge.url, 'POST', `/v1/sites/${site}/conversations/${conversationId}/messages`, {
        token: agent, body: { client_id: 'r_1', text: 'Yes, two left.' },
      }));
      return { site, agent, conversationId };
    });

    // 2. The same store as the schema-2 edge left it.
    const r = await onStore(site, 'downgrade');
    assert.match(r.conversations, /visitor_id TEXT NOT NULL UNIQUE/);
    assert.doesNotMatch(r.conversations, /closed_at/);
    assert.doesNotMatch(r.messages, /\bkind\b/);
    assert.equal(r.rows, 3, 'visitor message, busy reply, agent reply');

    // 3. The current edge on it.
    await withEdge(async (edge) => {
      const config = await must('widget-config', call(edge.url, 'GET', `/v1/sites/${site}/widget-config`));
      assert.equal(config.widget.accent_color, '#aa3300');
      assert.deepEqual(config.widget.texts, { '*': { offline: 'Napište nám', online: 'Ahoj' } });
      assert.equal(config.status.status, 'busy', 'the config carries the status');
      const list = await must('list', call(edge.url, 'GET', `/v1/sites/${site}/conversations?state=all`, { token: agent }));
      assert.deepEqual(list.conversations.map((c) => [c.id, c.state]), [[conversationId, 'open']]);
      const { messages } = await must('messages', call(edge.url, 'GET', `/v1/sites/${site}/conversations/${conversationId}/messages`, { token: agent }));
      assert.deepEqual(
        messages.map((m) => [m.seq, m.from, m.kind ?? null, m.text]),
        [
          [1, 'visitor', null, 'Is it in stock?'],
          [2, 'system', 'auto_reply', 'Back in ten minutes'],
          [3, 'agent', null, 'Yes, two left.'],
        ],
      );
      // The constraint of one conversation per visitor is gone: close, then a new one.
      const closed = await must('close', call(edge.url, 'POST', `/v1/sites/${site}/conversations/${conversationId}/close`, { token: agent }));
      assert.equal(closed.conversation.state, 'closed');
      const again = await must('visitor writes again', call(edge.url, 'POST', `/v1/sites/${site}/visitor/messages`, {
        headers: visitorHeader, body: { client_id: 'c_2', text: 'One more question', group: null },
      }));
      assert.notEqual(again.conversation_id, conversationId, 'a new conversation after the close');
      assert.equal(again.message.seq, 1);
      const reopen = await call(edge.url, 'POST', `/v1/sites/${site}/conversations/${conversationId}/reopen`, { token: agent });
      assert.equal(reopen.status, 409, JSON.stringify(reopen.body));
      assert.equal(reopen.body.error.code, 'conversation_conflict');
    });
  }));
