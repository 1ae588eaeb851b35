// Presenza widget loader. `cargo xtask build widget` bundles this file with
// the wasm-bindgen glue (./pkg/presenza.js, generated; its init slimmed to
// `init(fetchPromise)`) into www/widget/loader.js: one minified classic
// script, wrapped in try/catch.
//
// The page's snippet defines `presenza` as a queue stub and inserts this
// script with `async` (and usually `data-site`); README's snippet also
// starts the Wasm's and widget-config's fetches where Wasm may run
// (`presenza.p`), which this script then takes over. Here: check that the page
// allows Wasm (a CSP without 'wasm-unsafe-eval' forbids it: then nothing is
// fetched and no socket opened, just a plain link to the hosted chat page
// is shown), start the widget-config fetch and the Wasm, let the widget run
// the queued commands in order (boot), then replace the stub with the live
// function. Nothing here throws into the page and no global but `presenza`
// is created.
//
// The panel and the conversation are a second module (chat.js +
// chat.wasm, an ES module), imported by the widget only when the visitor
// shows an intent to open it, opens it, or has a conversation.

import init, { boot, command, on } from './pkg/presenza.js';

const w = window;
const d = document;
const s = d.currentScript || d.querySelector('script[src*="widget/loader"]');
const base = new URL('.', s.src).href;
const stub = w.presenza || function () {
  (stub.q = stub.q || []).push(arguments);
};
w.presenza = stub;
// The site and group: the script tag's, or what the page queued already
// (`init`, `group`), so that the config fetched early is the one needed.
// The page's language too (`language`, `init`), for the hosted chat page.
let site = s.dataset.site;
let group = s.dataset.group;
let lang;
for (const c of stub.q || []) {
  if (c[0] == 'group') group = c[1];
  if (c[0] == 'language') lang = c[1];
  if (c[0] == 'init' && c[1]) {
    site = site || c[1].site;
    if (c[1].group !== undefined) group = c[1].group;
    lang = c[1].language || lang;
  }
}

function fallback() {
  try {
    const host = d.createElement('presenza-widget');
    const root = host.attachShadow({ mode: 'open' });
    const css = new CSSStyleSheet();
    // #2563eb: the launcher's default accent (protocol::widget::DEFAULT_ACCENT).
    css.replaceSync(
      ':host{all:initial!important}a{position:fixed;z-index:2147483000;right:20px;bottom:20px;padding:13px 20px;' +
        'border-radius:24px;background:#2563eb;color:#fff;font:600 15px system-ui,sans-serif;text-decoration:none}' +
        'a:focus-visible{outline:3px solid #000;outline-offset:2px}',
    );
    root.adoptedStyleSheets = [css];
    const a = d.createElement('a');
    // The hosted page follows the same site and group, and picks the
    // language as the widget would (the page's, then the site's and the
    // browser's, then this page's <html lang>); an empty one is none.
    const q = new URLSearchParams({ site: site || '', group: group || '', lang: lang || '', hl: d.documentElement.lang });
    a.href = new URL('../chat.html?' + q, base).href;
    // A new tab without `window.opener` (implied by `_blank` in every
    // current browser).
    a.target = '_blank';
    a.textContent = 'Chat with us';
    root.append(a);
    (d.body || d.documentElement).append(host);
  } catch (e) {}
}

// `stub.l`: a second copy of the snippet does nothing.
if (!stub.l) {
  stub.l = 1;
  let wasm;
  try {
    // The smallest module, compiled at once: throws where Wasm is missing
    // or forbidden, before anything is fetched or opened.
    wasm = new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0));
  } catch (e) {}
  if (!wasm) fallback();
  else {
    // The site's settings and its status (what the first paint needs; the
    // widget uses the answer if it asks the same: `pre.u`), asked first:
    // the edge's answer takes longer than the Wasm file's. `pre.i` imports
    // the chat module; `pre.v` is the visitor's id when they wrote before
    // (kept by the chat module in the site's localStorage), which tags the
    // live socket. The page's address goes with it (`Referer`; the edge
    // keeps origin and path) so the site's owner sees where the chat box
    // is live.
    // README's snippet starts both fetches beside this script (`stub.p`:
    // the site's group-less widget-config, the Wasm), one round trip less.
    const early = stub.p || [];
    const pre = { i: (b) => import(b + 'chat.js') };
    if (site) {
      pre.u = new URL('/v1/sites/' + encodeURIComponent(site) + '/widget-config' + (group ? '?group=' + encodeURIComponent(group) : ''), base).href;
      pre.c = ((!group && early[0]) || fetch(pre.u, { referrerPolicy: 'no-referrer-when-downgrade' })).then((r) => r.json()).catch(() => {});
    }
    init(early[1] || fetch(base + 'presenza.wasm'))
      .then(() => {
        boot(base, s.dataset.site, s.dataset.group, (k) => (v) => on(k, v), pre);
        const live = function () {
          try {
            command.apply(null, arguments);
          } catch (e) {}
        };
        live.l = 1;
        w.presenza = live;
      })
      .catch(fallback);
    if (site) {
      try {
        // `|| 0`: nothing stored is the common case, not an exception (a
        // thrown one costs a stack trace while the page boots).
        const v = (JSON.parse(localStorage.getItem('presenza:' + site)) || 0).v;
        if (/^[\w-]{22}$/.test(v)) pre.v = v;
      } catch (e) {}
    }
  }
}
