// Launcher paint time: how long after the snippet runs the launcher shows
// the site's live status, in headless Chromium against the edge at
// PRESENZA_URL. Each run is a fresh browser context (empty HTTP cache), so
// loader, Wasm, settings and the WebSocket's first message all count.
//
// In the page (www/test/bench.html): mark `presenza:snippet` just before the
// snippet; the widget marks `presenza:paint` when it first paints a status
// from the edge; the page also takes the next animation frame after it.
// Printed: median, min and max over RUNS runs (after one warm-up).
//
// Run by `cargo xtask bench`; alone: PRESENZA_URL=http://127.0.0.1:8787
// PRESENZA_ADMIN_TOKEN=... node tests/bench/widget-paint.mjs

import { BASE, createSite, launch, widgetState } from '../e2e/lib.mjs';

const RUNS = Number(process.env.RUNS ?? 15);
const BUDGET_MS = 100;

const site = await createSite();
await (await site.agent('bench')).status('online');

const browser = await launch();
const paint = [];
const frame = [];
try {
  for (let i = 0; i <= RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/test/bench.html?site=${encodeURIComponent(site.id)}`);
    const t = await page.evaluate(async () => {
      const done = await Promise.race([window.__paint, new Promise((r) => setTimeout(() => r(null), 10000))]);
      const start = performance.getEntriesByName('presenza:snippet')[0].startTime;
      return done && { paint: done.mark - start, frame: done.frame - start };
    });
    const state = await widgetState(page);
    await context.close();
    if (!t) throw new Error('the widget never painted a status from the edge (10 s)');
    if (state?.status !== 'online') throw new Error(`painted ${state?.status}, expected online`);
    if (i > 0) {
      paint.push(t.paint);
      frame.push(t.frame);
    }
  }
} finally {
  await browser.close();
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (v) => `${v.toFixed(1)} ms`;
const line = (what, v) =>
  console.log(
    `    ${what.padEnd(34)} median ${ms(median(v)).padStart(9)}   min ${ms(Math.min(...v)).padStart(9)}   max ${ms(Math.max(...v)).padStart(9)}`,
  );
console.log(`    launcher paint time, ${RUNS} runs, cold cache, localhost (budget ${BUDGET_MS} ms, median):`);
line('snippet -> painted with live state', paint);
line('snippet -> next frame', frame);
const m = median(paint);
console.log(`    ${m <= BUDGET_MS ? 'within' : 'OVER'} budget: median ${ms(m)} vs ${BUDGET_MS} ms (load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
