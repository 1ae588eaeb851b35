// A site stored at schema 8 (before assignment, issue 14: conversations
// without `assignee_id` / `assignee_name`, messages without `subject`, no
// `conversations_by_assignee` index) gets them from the current edge
// (schema 10, `MIGRATE_ASSIGN_CONVERSATIONS`), keeps its conversations, all
// unassigned, and they can be assigned. No browser: runtimes in turn on one
// persisted Durable Object store, in workerd via Miniflare
// (tests/bench/edge-miniflare.mjs), as across a deploy.
//
// 1. The current edge makes a site with an agent and a conversation.
// 2. A small JS worker with the same Durable Object identity rewrites the
//    store into its shape at schema 8.
// 3. The current edge on it: the conversation is listed, unassigned,
//    "unassigned" lists it, and assigning it tells the visitor.
// 4. The store itself now has the columns, the index and schema 10.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { agentOnline, call, createSite, must, onNewStore, SCHEMA_VERSION, storeWorker } from './store-lib.mjs';

// The schema before issue 14's assignment (schema 8).
const BEFORE_ASSIGN = [
  'DROP INDEX conversations_by_assignee',
  'ALTER TABLE conversations DROP COLUMN assignee_id',
  'ALTER TABLE conversations DROP COLUMN assignee_name',
  'ALTER TABLE messages DROP COLUMN subject',
  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
];

const STORE_WORKER = storeWorker(BEFORE_ASSIGN, {
  conversations: 'columns("conversations")',
  messages: 'columns("messages")',
  stored: 'count("conversations")',
});

test('a site stored before assignment gets it, its conversations unassigned and assignable', { timeout: 120_000 }, () =>
  onNewStore({ worker: STORE_WORKER }, async ({ withEdge, onStore }) => {
    const visitor = { 'X-Presenza-Visitor': `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}` };
    // 1. Made by the current edge: an agent online and a conversation.
    const { site, agent, cid } = await withEdge(async (edge) => {
      const { site, owner } = await createSite(edge);
      const agent = await agentOnline(edge, site, owner);
      const { conversation_id: cid } = await must('message', call(edge.url, 'POST', `/v1/sites/${site}/visitor/messages`, {
        headers: visitor, body: { client_id: 'c_1', text: 'Ciao!' },
      }));
      return { site, agent, cid };
    });

    // 2. As the edge before assignment left it.
    const old = await onStore(site, 'downgrade');
    assert.ok(!old.conversations.includes('assignee_id'), JSON.stringify(old));
    assert.ok(!old.messages.includes('subject'), JSON.stringify(old));
    assert.ok(!old.indexes.includes('conversations_by_assignee'), JSON.stringify(old));
    assert.equal(Number(old.schema_version), 8);

    // 3. The current edge on it.
    await withEdge(async (edge) => {
      const list = await must('list', call(edge.url, 'GET', `/v1/sites/${site}/conversations?assigned=none`, { token: agent }));
      assert.deepEqual(list.conversations.map((c) => [c.id, c.assignee ?? null]), [[cid, null]], 'kept, unassigned');
      const assigned = await must('assign', call(edge.url, 'POST', `/v1/sites/${site}/conversations/${cid}/assign`, {
        token: agent, body: { agent: 'giulia' },
      }));
      assert.deepEqual(assigned.conversation.assignee, { id: 'giulia', name: 'Giulia' });
      const thread = await must('thread', call(edge.url, 'GET', `/v1/sites/${site}/visitor/messages`, { headers: visitor }));
      assert.deepEqual(thread.messages.map((m) => [m.kind, m.subject ?? null, m.text]), [
        [null, null, 'Ciao!'],
        ['assigned', 'Giulia', 'Giulia joined the conversation.'],
      ]);
      const mine = await must('mine', call(edge.url, 'GET', `/v1/sites/${site}/conversations?assigned=me`, { token: agent }));
      assert.deepEqual(mine.conversations.map((c) => c.id), [cid]);
    });

    // 4. Written in storage: the columns, the index, the current schema.
    const now = await onStore(site, 'inspect');
    assert.ok(now.conversations.includes('assignee_id') && now.conversations.includes('assignee_name'), JSON.stringify(now));
    assert.ok(now.messages.includes('subject'), JSON.stringify(now));
    assert.ok(now.indexes.includes('conversations_by_assignee'), JSON.stringify(now));
    assert.equal(Number(now.schema_version), SCHEMA_VERSION);
    assert.equal(now.stored, 1);
  }));
