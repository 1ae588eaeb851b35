//! What survives a reload. An agent's device credential lives in
//! localStorage, per site: the agent pastes its token once on this browser
//! (the edge answers with a credential of the device's own, revocable
//! alone) and stays signed in across tabs and restarts. The owner key lives
//! in sessionStorage (this tab only, gone when the tab closes), and so do
//! the outbox of replies not yet acknowledged and whether the tab is
//! signed in as an agent beside the owner key; the device session id in
//! localStorage, per site, so every tab of this browser is one device for
//! the edge.

use serde::{Deserialize, Serialize};
use web_sys::Storage;

use super::inbox::Outgoing;

fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn token_key(site: &str) -> String {
    format!("presenza.console.token.{site}")
}

fn credential_key(site: &str) -> String {
    format!("presenza.console.credential.{site}")
}

fn outbox_key(site: &str) -> String {
    format!("presenza.console.outbox.{site}")
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

/// This browser's sign-in as a device of an agent (`POST agents/me/devices`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub agent: String,
    /// The device id (`d_…`), to sign it out for good.
    pub device: String,
    /// The device's bearer credential (`pzd_…`).
    pub credential: String,
}

pub fn credential(site: &str) -> Option<Credential> {
    local_storage()?
        .get_item(&credential_key(site))
        .ok()
        .flatten()
        .and_then(|json| serde_json::from_str(&json).ok())
}

pub fn save_credential(site: &str, credential: &Credential) {
    if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(credential)) {
        let _ = storage.set_item(&credential_key(site), &json);
    }
}

pub fn forget_credential(site: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&credential_key(site));
    }
}

fn answering_key(site: &str) -> String {
    format!("presenza.console.answering.{site}")
}

/// Whether this tab is signed in as an agent beside the owner key (an
/// owner who answers chats): a reload of the owner's pages signs the
/// agent in again behind them, so the owner stays online.
pub fn answering(site: &str) -> bool {
    session_storage()
        .and_then(|s| s.get_item(&answering_key(site)).ok().flatten())
        .is_some()
}

pub fn save_answering(site: &str, on: bool) {
    if let Some(storage) = session_storage() {
        let _ = if on {
            storage.set_item(&answering_key(site), "1")
        } else {
            storage.remove_item(&answering_key(site))
        };
    }
}

const SOUND_KEY: &str = "presenza.console.sound";
const LAST_SITE_KEY: &str = "presenza.console.last-site";

/// Whether new visitor messages make a sound in this browser.
pub fn sound() -> bool {
    local_storage()
        .and_then(|s| s.get_item(SOUND_KEY).ok().flatten())
        .is_some_and(|v| v == "on")
}

pub fn save_sound(on: bool) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(SOUND_KEY, if on { "on" } else { "off" });
    }
}

/// The site this browser last signed in to: the installed console opens
/// it (its start URL names no site).
pub fn last_site() -> Option<String> {
    local_storage()?
        .get_item(LAST_SITE_KEY)
        .ok()
        .flatten()
        .filter(|s| !s.is_empty())
}

pub fn save_last_site(site: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(LAST_SITE_KEY, site);
    }
}

/// The outbox as stored: whose replies they are, oldest first.
#[derive(Serialize, Deserialize)]
struct StoredOutbox {
    agent: String,
    replies: Vec<Outgoing>,
}

/// The replies `agent` left unacknowledged in this tab (after a reload).
pub fn outbox(site: &str, agent: &str) -> Vec<Outgoing> {
    session_storage()
        .and_then(|s| s.get_item(&outbox_key(site)).ok().flatten())
        .and_then(|json| serde_json::from_str::<StoredOutbox>(&json).ok())
        .filter(|o| o.agent == agent)
        .map(|o| o.replies)
        .unwrap_or_default()
}

pub fn save_outbox(site: &str, agent: &str, replies: &[Outgoing]) {
    let Some(storage) = session_storage() else {
        return;
    };
    let key = outbox_key(site);
    if replies.is_empty() {
        let _ = storage.remove_item(&key);
        return;
    }
    let stored = StoredOutbox {
        agent: agent.to_owned(),
        replies: replies.to_vec(),
    };
    if let Ok(json) = serde_json::to_string(&stored) {
        let _ = storage.set_item(&key, &json);
    }
}

pub fn forget_outbox(site: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(&outbox_key(site));
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
/// device or a reply (client ids), so Math.random is enough.
pub fn random_id() -> String {
    (0..4)
        .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32))
        .collect()
}
