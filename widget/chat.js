// Presenza chat module entry. `cargo xtask build widget` bundles this file
// with the chat module's wasm-bindgen glue (./pkg/chat.js, generated; its
// init slimmed to `init(fetchPromise)`) into www/widget/chat.js: one
// minified ES module, imported by the launcher (`import(base + 'chat.js')`)
// when the panel first opens or the visitor has a conversation. Nothing
// global: the launcher gets `c` from the module's namespace.

import init, { chat, chat_on } from './pkg/chat.js';

const base = new URL('.', import.meta.url).href;
await init(fetch(base + 'chat.wasm'));
const bind = (k) => (v) => chat_on(k, v);

/** The launcher's call with its `cx` on every render (see src/chat/mod.rs). */
export const c = (cx) => chat(cx, bind, base);
