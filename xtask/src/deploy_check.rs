//! Deploys that can't surprise: `cargo xtask test` checks that what it just
//! built would deploy. `wrangler deploy --dry-run` validates the config
//! and bundles the Worker without uploading it; wrangler does not check
//! that every Durable Object class has a migration (a class added without
//! one deploys nothing it can use), so that is checked here, against the
//! classes the edge exports; and the bundle must fit the free plan's
//! compressed limit.

use crate::ctx::{step, Ctx, Failure, Result};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The free plan's limit on a Worker's compressed size.
const BUNDLE_LIMIT_KIB: f64 = 3.0 * 1024.0;

pub fn check(ctx: &Ctx) -> Result {
    step("Deployability: wrangler deploy --dry-run, Durable Object migrations, bundle size");
    let toml = std::fs::read_to_string(ctx.path("wrangler.toml"))
        .map_err(|e| Failure::new("reading wrangler.toml", e.to_string()))?;
    let exported = exported_classes(&ctx.path("edge/src"))?;
    check_classes(&toml, &exported)?;
    let outdir = ctx.target_dir().join("deploy-dry-run");
    let out = Command::new(ctx.node_bin("wrangler"))
        .args(["deploy", "--dry-run", "--outdir"])
        .arg(&outdir)
        .current_dir(&ctx.root)
        .env("PRESENZA_SKIP_BUILD", "1")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .output()
        .map_err(|e| Failure::new("wrangler deploy --dry-run", e.to_string()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(Failure::new(
            "wrangler deploy --dry-run",
            format!(
                "the bundle would not deploy:\n{stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
    }
    let gzip_kib = gzip_kib(&stdout).ok_or_else(|| {
        Failure::new(
            "wrangler deploy --dry-run",
            format!("no `gzip: … KiB` line in its output:\n{stdout}"),
        )
    })?;
    println!(
        "    deployable; {} Durable Object classes bound and migrated; bundle {gzip_kib:.0} KiB gzip \
         (limit {BUNDLE_LIMIT_KIB:.0} KiB)",
        exported.len()
    );
    if gzip_kib > BUNDLE_LIMIT_KIB {
        return Err(Failure::new(
            "bundle size",
            format!("{gzip_kib:.0} KiB gzip is over the free plan's {BUNDLE_LIMIT_KIB:.0} KiB"),
        ));
    }
    Ok(())
}

/// The classes the edge exports (`#[durable_object]` on `pub struct X`).
fn exported_classes(src: &Path) -> Result<BTreeSet<String>> {
    let mut classes = BTreeSet::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| Failure::new("reading edge/src", e.to_string()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mut lines = text.lines().map(str::trim);
                while let Some(line) = lines.next() {
                    if line == "#[durable_object]" {
                        let name = lines
                            .next()
                            .and_then(|l| l.strip_prefix("pub struct "))
                            .map(|l| l.trim_end_matches(['{', ';', ' ']).to_string());
                        classes.extend(name);
                    }
                }
            }
        }
    }
    Ok(classes)
}

/// Every exported class is bound and created by a migration; every bound
/// class is exported.
fn check_classes(toml: &str, exported: &BTreeSet<String>) -> Result {
    let mut bound = BTreeSet::new();
    let mut migrated = BTreeSet::new();
    let mut table = "";
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            table = line;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let names = value
            .split(['[', ']', ','])
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty());
        match (table, key.trim()) {
            ("[[durable_objects.bindings]]", "class_name") => bound.extend(names),
            ("[[migrations]]", "new_sqlite_classes" | "new_classes") => migrated.extend(names),
            _ => {}
        }
    }
    let mut problems = Vec::new();
    for class in exported {
        if !bound.contains(class) {
            problems.push(format!(
                "{class} is exported but no [[durable_objects.bindings]] binds it"
            ));
        }
        if !migrated.contains(class) {
            problems.push(format!(
                "{class} has no [[migrations]] entry (add a new tag with new_sqlite_classes = [\"{class}\"])"
            ));
        }
    }
    for class in bound.difference(exported) {
        problems.push(format!(
            "{class} is bound in wrangler.toml but the edge does not export it"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::new("wrangler.toml", problems.join("\n")))
    }
}

/// `Total Upload: 2079.48 KiB / gzip: 722.32 KiB` → 722.32.
fn gzip_kib(wrangler_output: &str) -> Option<f64> {
    let rest = wrangler_output.split("gzip:").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_must_be_bound_and_migrated() {
        let exported: BTreeSet<String> = ["SiteObject", "RelayObject"].map(String::from).into();
        let good = r#"
[[durable_objects.bindings]]
name = "SITES"
class_name = "SiteObject"
[[durable_objects.bindings]]
name = "RELAYS"
class_name = "RelayObject"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["SiteObject"]
[[migrations]]
tag = "v2"
new_sqlite_classes = ["RelayObject"]
"#;
        assert!(check_classes(good, &exported).is_ok());
        let no_migration = good.replace("new_sqlite_classes = [\"RelayObject\"]", "");
        assert!(check_classes(&no_migration, &exported).is_err());
        let unbound = good.replace("class_name = \"RelayObject\"", "");
        assert!(check_classes(&unbound, &exported).is_err());
        assert_eq!(
            gzip_kib("Total Upload: 2079.48 KiB / gzip: 722.32 KiB\n"),
            Some(722.32)
        );
    }

    #[test]
    fn the_edge_exports_its_objects_and_wrangler_toml_has_them() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let exported = exported_classes(&root.join("edge/src")).unwrap();
        assert_eq!(
            exported,
            ["DirectoryObject", "RelayObject", "SiteObject"]
                .map(String::from)
                .into()
        );
        let toml = std::fs::read_to_string(root.join("wrangler.toml")).unwrap();
        assert!(check_classes(&toml, &exported).is_ok());
    }
}
