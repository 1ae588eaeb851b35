//! What survives a reload. The token lives in sessionStorage (this tab
//! only, gone when the tab closes); the device session id in localStorage,
//! per site, so every tab of this browser is one device for the edge.

use web_sys::Storage;

fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn token_key(site: &str) -> String {
    format!("presenza.console.token.{site}")
}

fn device_key(site: &str) -> String {
    format!("presenza.console.device.{site}")
}

/// The localStorage key other tabs watch to learn that this device signed
/// out (the `storage` event fires in every other tab of the origin).
pub fn sign_out_key(site: &str) -> String {
    format!("presenza.console.signed-out.{site}")
}

pub fn token(site: &str) -> Option<String> {
    session_storage()?
        .get_item(&token_key(site))
        .ok()
        .flatten()
        .filter(|t| !t.is_empty())
}

pub fn save_token(site: &str, token: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(&token_key(site), token);
    }
}

pub fn forget_token(site: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(&token_key(site));
    }
}

/// This browser's device session id for `site`, created on first use.
pub fn device_id(site: &str) -> String {
    let storage = local_storage();
    if let Some(id) = storage
        .as_ref()
        .and_then(|s| s.get_item(&device_key(site)).ok().flatten())
        .filter(|id| !id.is_empty())
    {
        return id;
    }
    let id = random_id();
    if let Some(storage) = storage {
        let _ = storage.set_item(&device_key(site), &id);
    }
    id
}

/// Tells the other tabs of this browser that `agent` signed this device out.
/// The value is "agent-id timestamp": a new value each time, or a second
/// sign-out would fire no event.
pub fn announce_sign_out(site: &str, agent: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(
            &sign_out_key(site),
            &format!("{agent} {}", js_sys::Date::now()),
        );
    }
}

/// The agent id of a sign-out announcement.
pub fn announced_agent(value: &str) -> &str {
    value.rsplit_once(' ').map_or(value, |(agent, _)| agent)
}

/// 128 random bits as hex. Not a secret (the token is): it only names the
/// device, so Math.random is enough.
fn random_id() -> String {
    (0..4)
        .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32))
        .collect()
}
