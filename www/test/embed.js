// The Presenza snippet as an external file, for the test pages whose CSP
// forbids inline scripts: reads ?site=&group= from the page's URL.
(function (w, d, q) {
  var site = q.get('site');
  if (!site) return;
  w.presenza = w.presenza || function () { (w.presenza.q = w.presenza.q || []).push(arguments); };
  var s = d.createElement('script');
  s.async = true;
  s.src = '/widget/loader.js';
  s.dataset.site = site;
  d.head.appendChild(s);
  if (q.get('group')) w.presenza('group', q.get('group'));
})(window, document, new URLSearchParams(location.search));
