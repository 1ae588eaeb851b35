// Presenza widget loader. `cargo xtask build widget` bundles this file with
// the wasm-bindgen glue (./pkg/presenza.js, generated; its init slimmed to
// `init(fetchPromise)`) into www/widget/loader.js: one minified classic
// script, wrapped in try/catch.
//
// The page's snippet defines `presenza` as a queue stub and inserts this
// script with `async` (and usually `data-site`). Here: feature-detect Wasm,
// instantiate it, let the widget run the queued commands in order (boot),
// then replace the stub with the live function. When Wasm is missing or
// forbidden (a CSP without 'wasm-unsafe-eval'), or anything fails, show a
// plain link to the hosted chat page instead. Nothing here throws into the
// page and no global but `presenza` is created.
//
// The conversation is a second module (chat.js + chat.wasm, an ES module),
// imported by the widget only when the panel opens or the visitor has a
// conversation.

import init, { boot, command, on } from './pkg/presenza.js';

const w = window;
const d = document;
const s = d.currentScript || d.querySelector('script[src*="widget/loader"]');
const base = new URL('.', s.src).href;
const stub = w.presenza || function () {
  (stub.q = stub.q || []).push(arguments);
};
w.presenza = stub;

function fallback() {
  try {
    let site = s.dataset.site;
    for (const c of stub.q || []) if (c[0] == 'init' && c[1] && c[1].site) site = c[1].site;
    const host = d.createElement('presenza-widget');
    const root = host.attachShadow({ mode: 'open' });
    const css = new CSSStyleSheet();
    css.replaceSync(
      ':host{all:initial!important}a{position:fixed;z-index:2147483000;right:20px;bottom:20px;padding:13px 20px;' +
        'border-radius:24px;background:#1d4ed8;color:#fff;font:600 15px system-ui,sans-serif;text-decoration:none}' +
        'a:focus-visible{outline:3px solid #000;outline-offset:2px}',
    );
    root.adoptedStyleSheets = [css];
    const a = d.createElement('a');
    a.href = new URL('../chat.html?site=' + encodeURIComponent(site || ''), base).href;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = 'Chat with us';
    root.append(a);
    (d.body || d.documentElement).append(host);
  } catch (e) {}
}

// `stub.l`: a second copy of the snippet does nothing.
if (!stub.l) {
  stub.l = 1;
  if (typeof WebAssembly != 'object') fallback();
  else {
    // Start the site's settings and live socket while the Wasm loads; the
    // widget adopts them if they are what it needs (same site and group),
    // keeping the socket's early messages. `pre.i` imports the chat module;
    // `pre.v` is the visitor's id when they wrote before (kept by the chat
    // module in the site's localStorage), which also tags the socket.
    const site = s.dataset.site;
    const group = s.dataset.group;
    const pre = { i: (b) => import(b + 'chat.js') };
    if (site) {
      try {
        const v = JSON.parse(localStorage.getItem('presenza:' + site)).v;
        if (/^[\w-]{22}$/.test(v)) pre.v = v;
      } catch (e) {}
      const q = group ? '?group=' + encodeURIComponent(group) : '';
      const api = new URL('/v1/sites/' + encodeURIComponent(site), base).href;
      const ws = new WebSocket(api.replace(/^http/, 'ws') + '/live' + q + (pre.v ? (q ? '&' : '?') + 'visitor=' + pre.v : ''));
      pre.c = fetch(api + '/widget-config').then((r) => r.json()).catch(() => {});
      pre.w = ws;
      pre.m = [];
      ws.onmessage = (e) => pre.m.push(e.data);
    }
    init(fetch(base + 'presenza.wasm'))
      .then(() => {
        boot(base, site, group, (k) => (v) => on(k, v), pre);
        const live = function () {
          try {
            command.apply(null, arguments);
          } catch (e) {}
        };
        live.l = 1;
        w.presenza = live;
      })
      .catch(() => {
        if (pre.w) pre.w.close();
        fallback();
      });
  }
}
