//! One crate, two Wasm modules: `cfg(launcher)` (the default release build,
//! `--no-default-features`) and `cfg(chat_module)` (`--no-default-features
//! --features chat`, loaded lazily). With `std` (tests, tooling) both are
//! compiled into one module.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(launcher)");
    println!("cargo::rustc-check-cfg=cfg(chat_module)");
    let std = std::env::var_os("CARGO_FEATURE_STD").is_some();
    let chat = std::env::var_os("CARGO_FEATURE_CHAT").is_some();
    if std || !chat {
        println!("cargo::rustc-cfg=launcher");
    }
    if std || chat {
        println!("cargo::rustc-cfg=chat_module");
    }
}
