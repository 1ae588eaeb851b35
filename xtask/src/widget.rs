//! The widget: release build, size budget, Wasm tests in headless Chromium,
//! and the bench (sizes and launcher paint time).
//!
//! Build output, all in `www/widget/` (generated, gitignored):
//! - `loader.js`: widget/loader.js bundled with the wasm-bindgen glue, one
//!   minified classic script (the snippet inserts it);
//! - `presenza.wasm`: the launcher, `no_std`, `wasm-opt -Oz`, import and
//!   export names minified (the glue is patched to match);
//! - `i18n/{code}.json`: texts of every language, fetched only for the
//!   language shown (English is built in; the hosted chat page fetches it);
//! - `chat.js` + `chat.wasm`: the panel and the chat module (the same crate
//!   built with `--features chat`, with widget/panel.html and
//!   widget/panel.css inside; widget/chat.js bundled with its glue into one
//!   ES module), imported on the visitor's first intent to open the panel,
//!   when it opens, or when the visitor has a conversation, and
//!   `chat/{code}.json`, its texts (English built in).

use crate::ctx::{output, run, step, Ctx, Failure, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything a page fetches before the launcher is idle, painted with its
/// live state: loader (with the glue) + Wasm + the largest language file +
/// the widget-config answer (with the status) of a site with default
/// settings. Bytes, gzip -9.
pub const PAINT_BUDGET: usize = 15 * 1000;
/// The whole widget: the paint, the chat module (with the panel) and the
/// largest of its language files.
pub const TOTAL_BUDGET: usize = 45 * 1000;

/// One of the widget's two Wasm modules, built from the same crate.
struct Module {
    /// wasm-bindgen's `--out-name`: the Wasm is `{name}.wasm`.
    name: &'static str,
    /// Cargo features besides `--no-default-features`.
    features: &'static [&'static str],
    /// The JS entry in widget/, bundled with the glue into `www/widget/{entry}`.
    entry: &'static str,
    /// esbuild's format and target, and whether the bundle is wrapped in
    /// try/catch (a classic script must never throw into the page).
    format: &'static str,
    target: &'static str,
    wrap: bool,
    /// Whether the bundle asks the browser to compile every function as
    /// it arrives (the per-file compile hint `//# allFunctionsCalledOnLoad`,
    /// Chromium's since 136) instead of each at its first call on the
    /// page's busy main thread: the launcher calls all of them before its
    /// first paint.
    eager: bool,
}

const LAUNCHER: Module = Module {
    name: "presenza",
    features: &[],
    entry: "loader.js",
    format: "iife",
    target: "es2020",
    wrap: true,
    eager: true,
};

/// An ES module with top-level await (the entry waits for its Wasm).
const CHAT: Module = Module {
    name: "chat",
    features: &["--features", "chat"],
    entry: "chat.js",
    format: "esm",
    target: "es2022",
    wrap: false,
    eager: false,
};

const TARGET: &str = "wasm32-unknown-unknown";
/// wasm-opt's passes for both modules (see `build_module`) and the
/// console: flattening and re-relooping before `-Oz` finds ~1.3% more.
pub(crate) const WASM_OPT_PASSES: [&str; 4] = ["--flatten", "--rereloop", "-Oz", "-Oz"];
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-reference-types",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Failure {
    let what = format!("{what} {}", path.display());
    move |e| Failure::new(what, format!("{e}"))
}

fn write(path: &Path, data: impl AsRef<[u8]>) -> Result {
    fs::write(path, data).map_err(io("writing", path))
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(io("reading", path))
}

/// `cargo xtask build widget`.
pub fn build(ctx: &Ctx) -> Result {
    let out = ctx.path("www/widget");
    clear(&out)?;
    let work = ctx.target_dir().join("widget");
    let _ = fs::remove_dir_all(&work);
    for module in [LAUNCHER, CHAT] {
        build_module(ctx, &module, &work, &out)?;
    }

    // Texts of every language: the widgets fetch all but English (built into
    // each module); the hosted chat page (www/chat.html) fetches English too.
    for (src, dst) in [("widget/i18n", "i18n"), ("widget/i18n/chat", "chat")] {
        let src = ctx.path(src);
        let mut langs: Vec<PathBuf> = fs::read_dir(&src)
            .map_err(io("listing", &src))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        langs.sort();
        for path in langs {
            let name = path.file_name().unwrap_or_default();
            write(&out.join(dst).join(name), compact_json(&read(&path)?))?;
        }
    }
    println!("    built into {}", out.display());
    print_sizes(ctx).map(|_| ())
}

/// cargo build, wasm-bindgen, wasm-opt (names minified, the glue patched
/// to match) and esbuild for one module.
fn build_module(ctx: &Ctx, m: &Module, work: &Path, out: &Path) -> Result {
    step(&format!(
        "Widget: {}: cargo build (wasm32, release, no_std{})",
        m.name,
        m.features
            .last()
            .map_or(String::new(), |f| format!(", {f}"))
    ));
    run(
        ctx.cargo()
            .args([
                "build",
                "--release",
                "--target",
                TARGET,
                "-p",
                "presenza-widget",
                "--no-default-features",
                "--locked",
            ])
            .args(m.features),
        "cargo build -p presenza-widget",
        "see the compiler errors above",
    )?;
    let raw = ctx
        .target_dir()
        .join(TARGET)
        .join("release/presenza_widget.wasm");
    let pkg = work.join("pkg");
    fs::create_dir_all(&pkg).map_err(io("creating", &pkg))?;

    step(&format!("Widget: {}: wasm-bindgen (--target web)", m.name));
    run(
        Command::new(ctx.tool("wasm-bindgen"))
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--encode-into",
                "always",
                "--omit-default-module-path",
                "--out-name",
                m.name,
                "--out-dir",
            ])
            .arg(&pkg)
            .arg(&raw),
        "wasm-bindgen",
        "run `cargo xtask install` (the CLI must be 0.2.129, like the library)",
    )?;

    step(&format!("Widget: {}: wasm-opt -Oz, names minified", m.name));
    let wasm = out.join(format!("{}.wasm", m.name));
    let map = output(
        Command::new(ctx.wasm_opt())
            // Flattened and re-reloopered first, then -Oz twice: ~140 B
            // gzip less for the launcher (~250 B for the chat) than -Oz
            // alone, the same code. The whole round once more finds ~45 B
            // more for the launcher (the console, 30 times larger, skips
            // it: +12 s of build for 0.1 %).
            .args(WASM_OPT_PASSES)
            .args(WASM_OPT_PASSES)
            .args(WASM_FEATURES)
            .args([
                "--strip-debug",
                "--strip-producers",
                "--strip-target-features",
                "--minify-imports-and-exports-and-modules",
            ])
            .arg(pkg.join(format!("{}_bg.wasm", m.name)))
            .arg("-o")
            .arg(&wasm),
    )
    .ok_or_else(|| Failure::new("wasm-opt", "run `cargo xtask install` (binaryen from npm)"))?;
    let module =
        first_import_module(&fs::read(&wasm).map_err(io("reading", &wasm))?).ok_or_else(|| {
            Failure::new(
                "reading the optimized widget's imports",
                "wasm-opt output is not valid",
            )
        })?;
    let glue = pkg.join(format!("{}.js", m.name));
    let bg = format!("./{}_bg.js", m.name);
    let patched = rename_in_glue(&read(&glue)?, &map, &module, &bg)?;
    write(
        &glue,
        slim_init(&slim_decoder(&drop_unused_imports(&patched))?)?,
    )?;

    step(&format!(
        "Widget: {}: {} + glue bundled and minified (esbuild)",
        m.name, m.entry
    ));
    let entry = work.join(m.entry);
    fs::copy(ctx.path(&format!("widget/{}", m.entry)), &entry).map_err(io("copying", &entry))?;
    let mut esbuild = Command::new(ctx.node_bin("esbuild"));
    esbuild.arg(&entry).args([
        "--bundle",
        "--minify",
        &format!("--format={}", m.format),
        &format!("--target={}", m.target),
        "--legal-comments=none",
        "--log-level=warning",
    ]);
    // The hint goes at the top of the file, before the wrapper.
    let hint = if m.eager {
        "//# allFunctionsCalledOnLoad\n"
    } else {
        ""
    };
    if m.wrap {
        // A failure anywhere, even in the glue's top level, stays here.
        esbuild.args([
            &format!("--banner:js={hint}try{{"),
            "--footer:js=}catch(e){}",
        ]);
    } else if m.eager {
        esbuild.arg(format!("--banner:js={hint}"));
    }
    run(
        esbuild.arg(format!("--outfile={}", out.join(m.entry).display())),
        "esbuild",
        "run `cargo xtask install` (esbuild from npm)",
    )
}

/// Empties `www/widget/` but keeps the folders: a running `wrangler dev`
/// keeps serving files replaced in place, not a folder made anew.
fn clear(out: &Path) -> Result {
    for dir in [out.to_path_buf(), out.join("i18n"), out.join("chat")] {
        fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
        for entry in fs::read_dir(&dir).map_err(io("listing", &dir))?.flatten() {
            if entry.path().is_file() {
                fs::remove_file(entry.path()).map_err(io("removing", &entry.path()))?;
            }
        }
    }
    Ok(())
}

/// The module name of the first import of a Wasm binary (after
/// `--minify-imports-and-exports-and-modules`, every import's).
fn first_import_module(wasm: &[u8]) -> Option<String> {
    fn leb(b: &[u8], p: &mut usize) -> Option<usize> {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let byte = *b.get(*p)?;
            *p += 1;
            v |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }
    let mut p = 8;
    while p < wasm.len() {
        let id = wasm[p];
        p += 1;
        let len = leb(wasm, &mut p)?;
        if id == 2 {
            let mut q = p;
            leb(wasm, &mut q)?; // count
            let n = leb(wasm, &mut q)?;
            return String::from_utf8(wasm.get(q..q + n)?.to_vec()).ok();
        }
        p += len;
    }
    None
}

/// Applies wasm-opt's name map (printed as JSON: `["module", "old", "new"]`
/// per import, `["old", "new"]` per export) to the wasm-bindgen glue.
fn rename_in_glue(glue: &str, map: &str, module: &str, bg: &str) -> Result<String> {
    let fail = |what: &str| {
        Failure::new(
            format!("patching the widget glue: {what}"),
            "wasm-bindgen's glue changed shape; update rename_in_glue in xtask/src/widget.rs",
        )
    };
    let mut js = glue.to_string();
    let mut exports = Vec::new();
    let mut direct = String::new();
    let mut snippets = Vec::new();
    for line in map.lines() {
        let parts: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        match parts.as_slice() {
            [m, old, new] if *m == bg => {
                if !js.contains(old) {
                    return Err(fail(&format!("import {old} not found")));
                }
                js = js.replace(old, new);
            }
            [m, old, new] => {
                // An import straight from an inline_js snippet module.
                let marker = format!(" from \"{m}\"");
                let at = js
                    .find(&marker)
                    .ok_or_else(|| fail(&format!("module {m} not imported")))?;
                let head = &js[..at];
                let var = head
                    .rsplit("import * as ")
                    .next()
                    .map(str::trim)
                    .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .ok_or_else(|| fail(&format!("namespace of {m}")))?;
                direct.push_str(&format!("\n        {new}: {var}.{old},"));
                snippets.push(format!("\n        \"{m}\": {var},"));
            }
            [old, new] => exports.push((old.to_string(), new.to_string())),
            _ => {}
        }
    }
    let object = "const import0 = {\n        __proto__: null,";
    if !js.contains(object) {
        return Err(fail("import object"));
    }
    js = js.replacen(object, &format!("{object}{direct}"), 1);
    let key = format!("\"{bg}\": import0");
    if !js.contains(&key) {
        return Err(fail("import module key"));
    }
    js = js.replace(&key, &format!("\"{module}\": import0"));
    // The Wasm imports every snippet function through import0 now: the
    // snippet modules' own entries are dead, and without them the bundler
    // drops their namespace objects.
    for entry in snippets {
        js = js.replace(&entry, "");
    }
    // Longest first, so `wasm.on` never eats `wasm.onX`.
    exports.sort_by_key(|(old, _)| std::cmp::Reverse(old.len()));
    for (old, new) in exports {
        let from = format!("wasm.{old}");
        let mut out = String::with_capacity(js.len());
        let mut rest = js.as_str();
        while let Some(i) = rest.find(&from) {
            let after = rest[i + from.len()..].chars().next();
            out.push_str(&rest[..i]);
            if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                out.push_str(&from);
            } else {
                out.push_str("wasm.");
                out.push_str(&new);
            }
            rest = &rest[i + from.len()..];
        }
        out.push_str(rest);
        js = out;
    }
    Ok(js)
}

/// Drops the glue's imports that the optimized Wasm no longer has: every
/// import it keeps was renamed to a short name, so an entry of the import
/// object still named `__wbg…` is dead (e.g. `__wbindgen_throw` once
/// wasm-opt removed its only caller).
fn drop_unused_imports(glue: &str) -> String {
    let mut out = String::with_capacity(glue.len());
    let mut skipping = false;
    for line in glue.split_inclusive('\n') {
        if skipping {
            skipping = line.trim_end() != "        },";
            continue;
        }
        if line.starts_with("        __wbg") && line.trim_end().ends_with('{') {
            skipping = true;
            continue;
        }
        out.push_str(line);
    }
    out
}

/// Replaces the glue's generic init (paths, URLs, sync init, a MIME-type
/// fallback with a console warning) with the one path the loader uses:
/// `init(fetch(url))` of a file served as `application/wasm`.
fn slim_init(glue: &str) -> Result<String> {
    let start = glue.find("async function __wbg_load(");
    let end_marker = "export { initSync, __wbg_init as default };";
    let (Some(start), Some(end)) = (start, glue.find(end_marker)) else {
        return Err(Failure::new(
            "slimming the widget glue's init: __wbg_load / export not found",
            "wasm-bindgen's glue changed shape; update slim_init in xtask/src/widget.rs",
        ));
    };
    let mut js = String::from(&glue[..start]);
    js.push_str(
        "// Slimmed by cargo xtask: the loader passes fetch(presenza.wasm).\n\
         async function __wbg_init(response) {\n    \
         const { instance, module } = await WebAssembly.instantiateStreaming(response, __wbg_get_imports());\n    \
         return __wbg_finalize_init(instance, module);\n}\n\n\
         export { __wbg_init as default };\n",
    );
    js.push_str(&glue[end + end_marker.len()..]);
    Ok(js)
}

/// Replaces the glue's text decoding with its plain form: wasm-bindgen
/// renews its `TextDecoder` after 2 GiB decoded (a Safari limit) which a
/// widget's few short strings never reach; bytes before the launcher's
/// paint are the budget's.
fn slim_decoder(glue: &str) -> Result<String> {
    const FROM: &str = "const MAX_SAFARI_DECODE_BYTES";
    const TO: &str = "    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));\n}\n";
    let (Some(start), Some(end)) = (glue.find(FROM), glue.find(TO)) else {
        return Err(Failure::new(
            "slimming the widget glue's decodeText: its Safari guard not found",
            "wasm-bindgen's glue changed shape; update slim_decoder in xtask/src/widget.rs",
        ));
    };
    Ok(format!(
        "{}function decodeText(ptr, len) {{\n{}{}",
        &glue[..start],
        TO,
        &glue[end + TO.len()..]
    ))
}

/// Drops the whitespace outside strings of a JSON text.
fn compact_json(text: &str) -> String {
    let (mut out, mut in_str, mut esc) = (String::new(), false, false);
    for c in text.chars() {
        if in_str {
            out.push(c);
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

fn gzip_len(data: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    let _ = enc.write_all(data);
    enc.finish().map(|v| v.len()).unwrap_or(usize::MAX)
}

/// Sizes of the built files: (name, raw, gzip).
fn sizes(ctx: &Ctx) -> Result<Vec<(String, usize, usize)>> {
    let dir = ctx.path("www/widget");
    let mut files = Vec::new();
    for rel in ["loader.js", "presenza.wasm", "chat.js", "chat.wasm"] {
        let data = fs::read(dir.join(rel)).map_err(|e| {
            Failure::new(
                format!("reading www/widget/{rel}: {e}"),
                "build the widget first: `cargo xtask build widget`",
            )
        })?;
        files.push((rel.to_string(), data.len(), gzip_len(&data)));
    }
    for folder in ["i18n", "chat"] {
        let dir = dir.join(folder);
        let mut langs: Vec<_> = fs::read_dir(&dir)
            .map_err(io("listing", &dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        langs.sort();
        for path in langs {
            let data = fs::read(&path).map_err(io("reading", &path))?;
            let name = format!(
                "{folder}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            files.push((name, data.len(), gzip_len(&data)));
        }
    }
    Ok(files)
}

/// The widget-config answer of a site with default settings, whose agents
/// are online (what the loader fetches before the first paint).
fn default_config() -> String {
    use presenza_protocol::time::Timestamp;
    use presenza_protocol::view::{AudienceView, Widget, WidgetConfigView};
    presenza_protocol::frame::to_text(&WidgetConfigView {
        widget: Widget::default(),
        status: Some(AudienceView {
            status: presenza_rules::Status::Online,
            reason: presenza_rules::Reason::AgentsOnline,
            message: None,
            back_at: None,
            next_change: Some(Timestamp(1_764_000_000_000)),
            group: None,
        }),
    })
}

/// Prints the sizes; returns (paint, total) gzip bytes. Paint: loader +
/// Wasm + the largest language file (a visitor loads one at most) + a
/// default site's widget-config answer. Total: that, the chat module and
/// its largest language file.
fn print_sizes(ctx: &Ctx) -> Result<(usize, usize)> {
    let files = sizes(ctx)?;
    let mut core = 0;
    let mut later = 0;
    let mut lang_max = [0, 0];
    println!("    {:<22} {:>8} {:>8}", "www/widget/", "raw", "gzip");
    for (name, raw, gz) in &files {
        if let Some(folder) = ["i18n/", "chat/"].iter().position(|f| name.starts_with(f)) {
            lang_max[folder] = lang_max[folder].max(*gz);
            continue;
        }
        if name == "loader.js" || name == "presenza.wasm" {
            core += gz;
        } else {
            later += gz;
        }
        println!("    {name:<22} {raw:>8} {gz:>8}");
    }
    for folder in ["i18n/", "chat/"] {
        let langs: Vec<String> = files
            .iter()
            .filter(|(n, ..)| n.starts_with(folder))
            .map(|(n, _, gz)| {
                format!(
                    "{}:{gz}",
                    n.trim_start_matches(folder).trim_end_matches(".json")
                )
            })
            .collect();
        println!("    {folder}*.json gzip: {}", langs.join(" "));
    }
    let config = gzip_len(default_config().as_bytes());
    println!(
        "    {:<22} {:>8} {config:>8}",
        "widget-config (API)",
        default_config().len()
    );
    let paint = core + lang_max[0] + config;
    let total = paint + later + lang_max[1];
    println!("    before the launcher is idle (loader + wasm + largest language + widget-config): {paint} B gzip (budget {PAINT_BUDGET})");
    println!("    whole widget (+ chat.js, chat.wasm with the panel, largest chat language): {total} B gzip (budget {TOTAL_BUDGET})");
    Ok((paint, total))
}

/// Fails when the widget is over its gzip budgets; prints the figures.
pub fn check_size(ctx: &Ctx) -> Result {
    step("Widget: size budget (gzip -9)");
    let (paint, total) = print_sizes(ctx)?;
    if paint > PAINT_BUDGET {
        return Err(Failure::new(
            format!("widget launcher paint size {paint} B gzip > budget {PAINT_BUDGET} B"),
            "make the widget smaller (see `twiggy top` on target/widget/pkg/presenza_bg.wasm)",
        ));
    }
    if total > TOTAL_BUDGET {
        return Err(Failure::new(
            format!("whole widget {total} B gzip > budget {TOTAL_BUDGET} B"),
            "split the Wasm or make it smaller",
        ));
    }
    Ok(())
}

/// wasm-bindgen-test in headless Chromium (rendering, command queue, live
/// updates, reconnection; the chat: messages as text, outbox and resend,
/// the offline form) against a fake edge.
pub fn test_wasm(ctx: &Ctx) -> Result {
    let dir = ctx.target_dir().join("widget-test");
    fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
    // The runner adds headless, no-sandbox and disable-dev-shm-usage.
    let webdriver = dir.join("webdriver.json");
    write(
        &webdriver,
        r#"{"goog:chromeOptions":{"binary":"/usr/bin/chromium","args":["disable-gpu","disable-background-networking","no-first-run"]}}"#,
    )?;
    run(
        ctx.cargo()
            .args(["test", "-p", "presenza-widget", "--target", TARGET, "--locked"])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                ctx.tool("wasm-bindgen-test-runner"),
            )
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        "widget wasm tests (headless Chromium)",
        "see the failing test above; needs chromium and chromium-driver (apt-get install -y chromium chromium-driver)",
    )
}

/// Prints the sizes and the launcher paint time (median of runs in
/// headless Chromium against the edge at `base_url`; the bench creates its
/// own site with `admin_token`).
pub fn bench(ctx: &Ctx, base_url: &str, admin_token: &str) -> Result {
    step("Widget: sizes (gzip -9)");
    print_sizes(ctx)?;
    step("Widget: launcher paint time (headless Chromium, median)");
    run(
        Command::new("node")
            .arg(ctx.path("tests/bench/widget-paint.mjs"))
            .current_dir(&ctx.root)
            .env("PRESENZA_URL", base_url)
            .env("PRESENZA_ADMIN_TOKEN", admin_token),
        "widget paint bench",
        "see the error above (needs /usr/bin/chromium and the edge at PRESENZA_URL)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_json_outside_strings() {
        assert_eq!(
            compact_json("{\n \"a b\": \"c \\\" d\",\n \"e\": 1\n}\n"),
            "{\"a b\":\"c \\\" d\",\"e\":1}"
        );
    }

    #[test]
    fn renames_imports_exports_and_module() {
        let glue = "import * as import1 from \"./snippets/x/inline0.js\"\nfunction __wbg_get_imports() {\n    const import0 = {\n        __proto__: null,\n        __wbg_a_1: function() {},\n    };\n    return { __proto__: null, \"./presenza_bg.js\": import0, \"./snippets/x/inline0.js\": import1 };\n}\nwasm.on(1); wasm.onx(2); wasm.memory.buffer;";
        let map = "{\n \"imports\": [\n  [\"./presenza_bg.js\", \"__wbg_a_1\", \"a\"],\n  [\"./snippets/x/inline0.js\", \"get\", \"b\"]\n ],\n\"exports\": [\n  [\"on\", \"c\"],\n  [\"onx\", \"d\"],\n  [\"memory\", \"e\"]\n ]\n}";
        let js = rename_in_glue(glue, map, "a", "./presenza_bg.js").unwrap();
        assert!(js.contains("        b: import1.get,"), "{js}");
        assert!(js.contains("        a: function() {}"), "{js}");
        assert!(js.contains("\"a\": import0"), "{js}");
        assert!(js.contains("wasm.c(1); wasm.d(2); wasm.e.buffer;"), "{js}");
    }

    #[test]
    fn decodes_text_without_the_safari_guard() {
        let glue = "let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });\ncachedTextDecoder.decode();\nconst MAX_SAFARI_DECODE_BYTES = 2146435072;\nlet numBytesDecoded = 0;\nfunction decodeText(ptr, len) {\n    numBytesDecoded += len;\n    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {\n        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });\n        cachedTextDecoder.decode();\n        numBytesDecoded = len;\n    }\n    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));\n}\n\nconst cachedTextEncoder = new TextEncoder();\n";
        assert_eq!(
            slim_decoder(glue).unwrap(),
            "let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });\ncachedTextDecoder.decode();\nfunction decodeText(ptr, len) {\n    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));\n}\n\nconst cachedTextEncoder = new TextEncoder();\n"
        );
        assert!(slim_decoder("function decodeText() {}").is_err());
    }

    #[test]
    fn drops_imports_the_wasm_lost() {
        let glue = "    const import0 = {\n        a: function(arg0) {\n            return 1;\n        },\n        __wbg___wbindgen_throw_41e9: function(arg0, arg1) {\n            throw new Error(x);\n        },\n        b: import1.get,\n    };\n";
        assert_eq!(
            drop_unused_imports(glue),
            "    const import0 = {\n        a: function(arg0) {\n            return 1;\n        },\n        b: import1.get,\n    };\n"
        );
    }
}
