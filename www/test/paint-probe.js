// The launcher paint probe of tests/bench/widget-paint.mjs, run by its host
// pages (this origin's bench.html, and inlined in the page the bench serves
// on another origin) just before README's snippet. Fills `window.__paint`
// with the times the widget's own mark does not give (its first paint with
// a status from the edge, `presenza:paint`, which the bench reads from the
// performance timeline), from the snippet's start (`presenza:snippet`,
// marked here):
// - shown: the launcher shows the bench's agent online, seen as a visitor's
//   eye would, by the DOM: a mutation observer's callback runs at the end
//   of the task that made the change (a performance observer's callback
//   comes at the browser's leisure, sometimes after the next frame began);
// - frame: the next animation frame from there, the one that draws it.
// Then says so on the console (`presenza:frame`): the bench reads the page
// only after that, since its own first script would count in the times.
(function (w, d) {
  var r = (w.__paint = {});
  function check() {
    var host = d.querySelector('presenza-widget');
    var launcher = host && host.shadowRoot && host.shadowRoot.getElementById('w');
    if (r.shown || !launcher || !/\bs-online\b/.test(launcher.className)) return;
    r.shown = performance.now();
    requestAnimationFrame(function () {
      r.frame = performance.now();
      console.debug('presenza:frame');
    });
  }
  var seen = new MutationObserver(function (changes) {
    changes.forEach(function (m) {
      m.addedNodes.forEach(function (n) {
        if (n.shadowRoot) seen.observe(n.shadowRoot, { subtree: true, attributes: true, attributeFilter: ['class'] });
      });
    });
    check();
  });
  seen.observe(d.documentElement, { childList: true, subtree: true });
  performance.mark('presenza:snippet');
})(window, document);
