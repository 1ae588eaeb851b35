//! The embed snippet a site owner pastes before `</body>`: README's
//! "Embedding the widget" block with the edge and the site filled in. The
//! console's Embed page and `cargo xtask site snippet` both print it from
//! here (a console test holds it and README together).

use alloc::format;
use alloc::string::String;

/// The snippet for `site` on the edge at `origin` (`https://edge.example`);
/// a chosen group replaces the optional calls' comment with the call that
/// picks it.
pub fn snippet(origin: &str, site: &str, group: Option<&str>) -> String {
    let calls = match group {
        Some(g) => format!("  presenza('group', '{}');\n", js_escape(g)),
        None => "  // Optional, any time; calls made before the widget loads are kept and run in order:\n  \
                 // presenza('group', 'sales'); presenza('language', 'cs'); presenza('on', 'status', fn);\n  \
                 // presenza('visitor', {name, email}); presenza('on', 'message', fn); presenza('sound', false);\n"
            .into(),
    };
    format!(
        "<script>\n  (function (w, d, e, i, s) {{\n    w.presenza = w.presenza || function () {{ \
         (w.presenza.q = w.presenza.q || []).push(arguments); }};\n    \
         s = d.createElement('script'); s.async = true; s.src = e + '/widget/loader.js'; s.dataset.site = i;\n    \
         d.head.appendChild(s);\n    \
         // Where Wasm may run, the site's settings and the widget's Wasm load beside the loader.\n    \
         try {{\n      new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0));\n      \
         w.presenza.p = [fetch(e + '/v1/sites/' + i + '/widget-config', {{ referrerPolicy: 'no-referrer-when-downgrade' }}),\n        \
         fetch(e + '/widget/presenza.wasm')];\n    \
         }} catch (x) {{}}\n  }})(window, document, '{}', '{}');\n{calls}</script>",
        js_escape(origin),
        js_escape(site)
    )
}

/// Text safe inside a single-quoted JS string in an inline script.
fn js_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace('<', "\\x3c")
}
