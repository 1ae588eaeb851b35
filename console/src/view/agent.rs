//! Agent mode: the top bar with the agent's picture (top-left, as agents of
//! the product we replace expect), the status menu it opens, what visitors
//! see, and the connection state.

use presenza_protocol::limits::MAX_STATUS_MESSAGE_CHARS;
use presenza_protocol::time::Timestamp;
use presenza_protocol::view::{AgentView, AudienceView};
use presenza_rules::{ChosenBy, Reason, Status};

use super::dom::{by_id, el, find, find_all, focus, replace, El};
use super::{dot, status_label};
use crate::clock;
use crate::store::{Conn, Store};

pub fn shell(store: &Store) -> web_sys::Element {
    el("div")
        .class("shell")
        .class("agent-shell")
        .child(
            el("header")
                .class("topbar")
                .child(me(true))
                .child(
                    el("div")
                        .attr("id", "audience")
                        .class("audience")
                        .attr("aria-live", "polite"),
                )
                .child(
                    el("div")
                        .class("topbar-end")
                        .child(el("span").attr("id", "site-name").class("site-name"))
                        .child_if(store.owner_key_kept.then(|| {
                            el("button")
                                .attr("type", "button")
                                .class("ghost")
                                .action("owner-pages")
                                .text("Site settings")
                        }))
                        .child(
                            el("span")
                                .attr("id", "conn")
                                .class("conn")
                                .attr("role", "status"),
                        ),
                ),
        )
        .child(
            el("main")
                .attr("id", "main")
                .class("main")
                .child(
                    el("section")
                        .attr("id", "devices")
                        .class("devices-panel")
                        .attr("aria-label", "Your signed-in devices")
                        .flag("hidden", true),
                )
                .child(el("section").attr("id", "inbox").class("inbox")),
        )
        .build()
}

/// The agent's picture and the status menu it opens; `full` adds the
/// name and status beside it and the menu's session items (devices,
/// sign-in as the owner, sign out), which the owner's pages, where an
/// owner who answers chats finds their picture too, have elsewhere.
pub fn me(full: bool) -> El {
    el("div")
        .class("me")
        .child(
            el("button")
                .attr("id", "avatar")
                .class("avatar")
                .attr("type", "button")
                .action("avatar")
                .attr("aria-haspopup", "menu")
                .attr("aria-expanded", "false")
                .attr("aria-controls", "status-items")
                .child(el("span").class("initials").attr("aria-hidden", "true"))
                .child(photo(44).attr("id", "avatar-photo"))
                .child(dot(Status::Offline)),
        )
        .child_if(full.then(|| {
            el("div")
                .class("me-text")
                .child(el("span").attr("id", "me-name").class("me-name"))
                .child(el("span").attr("id", "me-status").class("me-status"))
                .child(el("span").attr("id", "me-hours").class("me-hours"))
        }))
        .child(menu(full))
        .child(picture_panel())
}

/// An agent's picture at `px` (set so nothing moves while it loads);
/// hidden until it has a source. Decorative: its button or row names the
/// agent.
pub fn photo(px: u32) -> El {
    el("img")
        .class("photo")
        .attr("alt", "")
        .attr("width", &px.to_string())
        .attr("height", &px.to_string())
        .attr("loading", "lazy")
        .attr("decoding", "async")
        .flag("hidden", true)
}

/// An agent's face at `px`: their picture, else their initials (in the
/// inbox beside their messages, on the owner's team view).
pub fn agent_face(store: &Store, id: &str, name: &str, picture: Option<&str>, px: u32) -> El {
    let face = el("span")
        .class("face")
        .class("agent-face")
        .attr("aria-hidden", "true")
        .attr("style", &format!("background:{}", avatar_colour(name)));
    match picture {
        Some(v) => face.child(
            el("img")
                .class("photo")
                .attr("alt", "")
                .attr("width", &px.to_string())
                .attr("height", &px.to_string())
                .attr("loading", "lazy")
                .attr("src", &picture_url(store, id, v)),
        ),
        None => face.text(&initials(name)),
    }
}

/// The public URL of an agent's picture at `version` (cached for good).
pub fn picture_url(store: &Store, agent: &str, version: &str) -> String {
    format!(
        "{}{}",
        store.origin,
        presenza_protocol::http::agent_picture_path(store.site(), agent, version)
    )
}

/// Shows `version` of `agent`'s picture in `img` and hides `initials`, or
/// the initials without one.
pub fn show_photo(
    store: &Store,
    img: Option<web_sys::Element>,
    initials: Option<web_sys::Element>,
    agent: &str,
    version: Option<&str>,
) {
    if let Some(img) = img {
        match version {
            Some(v) => {
                let url = picture_url(store, agent, v);
                if img.get_attribute("src").as_deref() != Some(url.as_str()) {
                    let _ = img.set_attribute("src", &url);
                }
                let _ = img.remove_attribute("hidden");
            }
            None => {
                let _ = img.remove_attribute("src");
                let _ = img.set_attribute("hidden", "");
            }
        }
    }
    if let Some(i) = initials {
        let _ = i.toggle_attribute_with_force("hidden", version.is_some());
    }
}

/// The new picture's preview (after the file chooser, before the edge):
/// Save or Cancel.
fn picture_panel() -> El {
    el("div")
        .attr("id", "picture-panel")
        .class("picture-panel")
        .attr("role", "group")
        .attr("aria-label", "Your new picture")
        .flag("hidden", true)
        .child(
            el("input")
                .attr("type", "file")
                .attr("id", "picture-file")
                .attr("accept", "image/png,image/jpeg,image/webp")
                .attr("aria-label", "Choose a picture")
                .action("picture-file")
                .flag("hidden", true),
        )
        .child(
            el("img")
                .attr("id", "picture-preview")
                .class("picture-preview")
                .attr("alt", "Preview of your new picture")
                .attr("width", "96")
                .attr("height", "96")
                .flag("hidden", true),
        )
        .child(
            el("p")
                .attr("id", "picture-error")
                .class("error")
                .attr("role", "alert"),
        )
        .child(
            el("div")
                .class("picture-actions")
                .child(
                    el("button")
                        .attr("type", "button")
                        .attr("id", "picture-save")
                        .action("picture-save")
                        .text("Save picture"),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("ghost")
                        .action("picture-cancel")
                        .text("Cancel"),
                ),
        )
}

/// Shows the new picture's preview, its error, or nothing; `focus` moves
/// focus to Save.
pub fn render_picture(store: &Store, focus_save: bool) {
    let Some(panel) = by_id("picture-panel") else {
        return;
    };
    let draft = &store.picture;
    let _ = panel.toggle_attribute_with_force("hidden", !draft.open());
    if let Some(img) = by_id("picture-preview") {
        match &draft.square {
            Some((_, url)) => {
                let _ = img.set_attribute("src", url);
                let _ = img.remove_attribute("hidden");
            }
            None => {
                let _ = img.set_attribute("hidden", "");
            }
        }
    }
    if let Some(e) = by_id("picture-error") {
        e.set_text_content(draft.error.as_deref());
    }
    if let Some(save) = by_id("picture-save") {
        let _ =
            save.toggle_attribute_with_force("disabled", draft.saving || draft.square.is_none());
        save.set_text_content(Some(if draft.saving {
            "Saving…"
        } else {
            "Save picture"
        }));
        if focus_save && draft.square.is_some() {
            focus(&save);
        }
    }
    if !draft.open() {
        // The same file may be chosen again.
        if let Some(input) = by_id("picture-file") {
            let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
        }
    }
}

fn menu_item(status: Status) -> web_sys::Element {
    el("button")
        .attr("type", "button")
        .class("menuitem")
        .attr("role", "menuitemradio")
        .attr("aria-checked", "false")
        .attr("tabindex", "-1")
        .action("status")
        .data("status", status.as_str())
        .child(dot(status))
        .child(el("span").text(&status_label(status)))
        .build()
}

/// The status popup: a menu of the statuses (Online / Busy / Offline), the
/// busy details (message + return time) after it, a menu of the agent's
/// picture (change, remove), and (`full`:) a menu of the session (devices, sign-in as the owner, sign out). The fields are
/// not inside a `role=menu`, which may only hold menu items. Built once per
/// sign-in; only its state changes afterwards, so typed text survives live
/// updates.
fn menu(full: bool) -> El {
    let items = |id: &str, label: &str| {
        el("div")
            .attr("id", id)
            .attr("role", "menu")
            .attr("aria-label", label)
    };
    let menu = el("div")
        .attr("id", "status-menu")
        .class("menu")
        .flag("hidden", true)
        .child(
            items("status-items", "Your status")
                .child(menu_item(Status::Online))
                .child(menu_item(Status::Busy))
                .child(menu_item(Status::Offline)),
        )
        .child(
            el("div")
                .class("busy-fields")
                .attr("role", "group")
                .attr("aria-label", "Busy details")
                .child(
                    el("label").text("Busy message").child(
                        el("input")
                            .attr("name", "busy-message")
                            .maxlength(MAX_STATUS_MESSAGE_CHARS)
                            .attr("placeholder", "e.g. In a meeting"),
                    ),
                )
                .child(
                    el("label")
                        .text("Back at")
                        .child(el("input").attr("name", "busy-back").attr("type", "time")),
                ),
        )
        .child(el("div").class("separator").attr("aria-hidden", "true"))
        .child(
            items("picture-items", "Your picture")
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("menuitem")
                        .attr("role", "menuitem")
                        .attr("tabindex", "-1")
                        .action("picture-choose")
                        .text("Change picture…"),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .attr("id", "picture-remove")
                        .class("menuitem")
                        .attr("role", "menuitem")
                        .attr("tabindex", "-1")
                        .action("picture-remove")
                        .flag("hidden", true)
                        .text("Remove picture"),
                ),
        );
    let menu = if full {
        menu.child(el("div").class("separator").attr("aria-hidden", "true"))
            .child(
                items("session-items", "Your session")
                    .child(
                        el("button")
                            .attr("type", "button")
                            .class("menuitem")
                            .attr("role", "menuitem")
                            .attr("tabindex", "-1")
                            .action("devices")
                            .text("Your devices"),
                    )
                    .child(
                        el("a")
                            .class("menuitem")
                            .attr("role", "menuitem")
                            .attr("tabindex", "-1")
                            .attr("href", "#signin")
                            .attr("target", "_blank")
                            .text("Sign in as the site owner…"),
                    )
                    .child(
                        el("button")
                            .attr("type", "button")
                            .class("menuitem")
                            .class("sign-out")
                            .attr("role", "menuitem")
                            .attr("tabindex", "-1")
                            .action("sign-out")
                            .text("Sign out"),
                    ),
            )
    } else {
        menu
    };
    menu.child(
        el("p")
            .attr("id", "status-error")
            .class("error")
            .attr("role", "alert"),
    )
}

/// "Busy · In a meeting · back at 2:30 PM" (the widget's wording).
fn status_line(agent: &AgentView) -> String {
    let status = agent.manual_status;
    let mut line = status_label(status);
    if status == Status::Busy {
        if let Some(m) = agent.message.as_deref().filter(|m| !m.trim().is_empty()) {
            line.push_str(" · ");
            line.push_str(m);
        }
        let back = agent
            .back_at
            .map(|at| clock::back(at.millis(), clock::now(), true))
            .unwrap_or_default();
        if !back.is_empty() {
            line.push_str(" · ");
            line.push_str(&back);
        }
    }
    line
}

/// What working hours (switch mode) do to the agent's status: "Set
/// offline by working hours at 17:30 · online tomorrow 09:00", or, after a
/// manual change, "Your choice until 17:30, then offline by working
/// hours". Empty when no working hours act on it.
pub fn hours_line(agent: &AgentView, now: i64) -> String {
    let next = agent.next_switch;
    match (agent.set_by, agent.set_at) {
        (ChosenBy::WorkingHours, Some(at)) => {
            let mut line = format!(
                "Set {} by working hours {}",
                agent.manual_status.as_str(),
                at_time(at.millis(), now)
            );
            if let Some(next) = next {
                line.push_str(&format!(
                    " · {} {}",
                    next.status.as_str(),
                    clock::when(next.at.millis(), now)
                ));
            }
            line
        }
        _ => match next {
            Some(next) => format!(
                "Your choice until {}, then {} by working hours",
                clock::when(next.at.millis(), now),
                next.status.as_str()
            ),
            None => String::new(),
        },
    }
}

/// "at 17:30", "yesterday 17:30", "Fri 17:30".
fn at_time(ms: i64, now: i64) -> String {
    let when = clock::when(ms, now);
    if when.contains(' ') {
        when
    } else {
        format!("at {when}")
    }
}

pub(super) fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let first = |w: &str| {
        w.chars()
            .next()
            .map(|c| c.to_uppercase().collect::<String>())
    };
    match words.as_slice() {
        [] => "?".into(),
        [one] => first(one).unwrap_or_default(),
        [a, .., b] => format!(
            "{}{}",
            first(a).unwrap_or_default(),
            first(b).unwrap_or_default()
        ),
    }
}

/// A stable colour per name (FNV-1a hash → hue), dark enough for white text
/// at every hue (at least 4.7:1, yellow the lightest; WCAG AA asks 4.5:1).
pub fn avatar_colour(name: &str) -> String {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("hsl({}, 55%, 30%)", hash % 360)
}

pub fn render_me(store: &Store) {
    let Some(me) = &store.me else { return };
    // The status the agent chose (what its menu shows).
    let status = me.manual_status;
    let name = me.display_name();
    let line = status_line(me);
    if let Some(avatar) = by_id("avatar") {
        if let Some(i) = find(&avatar, ".initials") {
            i.set_text_content(Some(&initials(name)));
        }
        if let Some(d) = find(&avatar, ".dot") {
            let _ = d.set_attribute("data-status", status.as_str());
        }
        let _ = avatar.set_attribute("style", &format!("background:{}", avatar_colour(name)));
        show_photo(
            store,
            find(&avatar, ".photo"),
            find(&avatar, ".initials"),
            me.id.as_str(),
            me.picture.as_deref(),
        );
        let hours = hours_line(me, clock::now());
        let label = if hours.is_empty() {
            format!("{name}: {line}. Change status")
        } else {
            format!("{name}: {line} ({hours}). Change status")
        };
        let _ = avatar.set_attribute("aria-label", &label);
        let _ = avatar.set_attribute("data-status", status.as_str());
    }
    if let Some(n) = by_id("me-name") {
        n.set_text_content(Some(name));
    }
    if let Some(s) = by_id("me-status") {
        s.set_text_content(Some(&line));
        let _ = s.set_attribute("data-status", status.as_str());
    }
    if let Some(h) = by_id("me-hours") {
        let hours = hours_line(me, clock::now());
        h.set_text_content(Some(&hours));
        let _ = h.set_attribute("data-set-by", me.set_by.as_str());
        if hours.is_empty() {
            let _ = h.set_attribute("hidden", "");
        } else {
            let _ = h.remove_attribute("hidden");
        }
    }
    if let Some(remove) = by_id("picture-remove") {
        let _ = remove.toggle_attribute_with_force("hidden", me.picture.is_none());
    }
    if let Some(menu) = by_id("status-menu") {
        for item in find_all(&menu, "[role=menuitemradio]") {
            let on = item.get_attribute("data-status").as_deref() == Some(status.as_str());
            let _ = item.set_attribute("aria-checked", if on { "true" } else { "false" });
        }
    }
}

pub fn render_menu(store: &Store, move_focus: bool) {
    let (Some(menu), Some(avatar)) = (by_id("status-menu"), by_id("avatar")) else {
        return;
    };
    let was_open = !menu.has_attribute("hidden");
    if let Some(e) = by_id("status-error") {
        e.set_text_content(store.status_error.as_deref());
    }
    if store.menu_open {
        let _ = menu.remove_attribute("hidden");
        let _ = avatar.set_attribute("aria-expanded", "true");
        if !was_open {
            status_pending(false);
            // Start from the current busy details, so re-choosing Busy
            // keeps them.
            let me = store.me.as_ref();
            let busy = me.is_some_and(|m| m.manual_status == Status::Busy);
            let message = me
                .and_then(|m| m.message.clone())
                .filter(|_| busy)
                .unwrap_or_default();
            let back = me
                .and_then(|m| m.back_at)
                .filter(|_| busy)
                .map(|at| clock::hhmm(at.millis()))
                .unwrap_or_default();
            set_field(&menu, "busy-message", &message);
            set_field(&menu, "busy-back", &back);
            if move_focus {
                let target =
                    find(&menu, "[aria-checked=true]").or_else(|| find(&menu, "[role^=menuitem]"));
                if let Some(t) = target {
                    focus(&t);
                }
            }
        }
    } else {
        let _ = menu.set_attribute("hidden", "");
        let _ = avatar.set_attribute("aria-expanded", "false");
        if was_open && move_focus {
            focus(&avatar);
        }
    }
}

fn set_field(scope: &web_sys::Element, name: &str, value: &str) {
    if let Some(input) = find(scope, &format!("[name=\"{name}\"]")) {
        let _ = js_sys::Reflect::set(&input, &"value".into(), &value.into());
    }
}

/// Marks the menu as waiting for the edge (no double submissions).
pub fn status_pending(pending: bool) {
    let Some(menu) = by_id("status-menu") else {
        return;
    };
    let _ = menu.set_attribute("aria-busy", if pending { "true" } else { "false" });
    for item in find_all(&menu, "[role=menuitemradio]") {
        if pending {
            let _ = item.set_attribute("disabled", "");
        } else {
            let _ = item.remove_attribute("disabled");
        }
    }
}

/// What the audience is told, in words, with "back at" as the widget says
/// it: "In a meeting · back in 10 minutes", "outside working hours · back
/// Monday 9:00 AM"; a passed instant says nothing.
pub fn audience_detail(a: &AudienceView) -> String {
    let now = clock::now();
    let back_at = a.back_at.map(Timestamp::millis);
    let mut parts = Vec::new();
    match a.reason {
        Reason::OutsideHours => {
            parts.push("outside working hours".to_owned());
            if let Some(at) = back_at {
                parts.push(clock::back(at, now, false));
            }
        }
        Reason::NoAgents => parts.push("no agent available".to_owned()),
        Reason::AgentsOnline | Reason::AllBusy => {
            if let Some(m) = a.message.as_deref().filter(|m| !m.trim().is_empty()) {
                parts.push(m.to_owned());
            }
            if let Some(at) = back_at {
                parts.push(clock::back(at, now, true));
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

fn chip(key: &str, label: Option<&str>, a: &AudienceView) -> web_sys::Element {
    let detail = audience_detail(a);
    el("span")
        .class("chip")
        .attr("data-audience", key)
        .attr("data-status", a.status.as_str())
        .attr("title", &detail)
        .child(dot(a.status))
        .child_if(label.map(|l| el("span").class("chip-label").user_text(l)))
        .child(
            el("span")
                .class("chip-status")
                .text(&status_label(a.status)),
        )
        .child_if((!detail.is_empty()).then(|| el("span").class("chip-detail").text(&detail)))
        .build()
}

pub fn render_audience(store: &Store) {
    let Some(region) = by_id("audience") else {
        return;
    };
    let grouped = !store.group_audience.is_empty();
    let mut bar = el("div")
        .class("audience-inner")
        .child(el("span").class("audience-title").text("Visitors see:"));
    if let Some(site) = &store.site_audience {
        bar = bar.child(chip("site", grouped.then_some("Site"), site));
    }
    for (group, a) in &store.group_audience {
        // The name the owner gave the group (its id when it has none).
        let label = store
            .group_names
            .get(group)
            .filter(|n| !n.trim().is_empty())
            .map_or(group.as_str(), String::as_str);
        bar = bar.child(chip(&format!("group:{group}"), Some(label), a));
    }
    if store.site_audience.is_none() && !grouped {
        bar = bar.child(el("span").class("muted").text("…"));
    }
    replace(&region, bar);
}

/// Everything the clock changes in the agent's screen ("back in N
/// minutes", a passed instant): redrawn only when it changed, so that
/// screen readers hear the live region only for real changes.
pub fn worded(store: &Store) -> String {
    let mut out = store.me.as_ref().map(status_line).unwrap_or_default();
    for a in store
        .site_audience
        .iter()
        .chain(store.group_audience.values())
    {
        out.push('|');
        out.push_str(&audience_detail(a));
    }
    out
}

/// The agent's devices panel: hidden unless opened from the menu.
pub fn render_devices(store: &Store) {
    let Some(region) = by_id("devices") else {
        return;
    };
    let Some(panel) = &store.devices else {
        let _ = region.set_attribute("hidden", "");
        replace(&region, el("div"));
        return;
    };
    let _ = region.remove_attribute("hidden");
    replace(
        &region,
        el("div")
            .class("card")
            .child(
                el("div")
                    .class("panel-head")
                    .child(el("h2").text("Your signed-in devices"))
                    .child(
                        el("button")
                            .attr("type", "button")
                            .class("link")
                            .action("devices")
                            .text("Close"),
                    ),
            )
            .child(el("p").class("muted").class("small").text(
                "Each browser you signed in with your token stays signed in. Sign out one you no \
                 longer use; this browser signs out from your picture's menu.",
            ))
            .child(super::devices::list(panel, &super::devices::Revoker::Agent)),
    );
}

pub fn render_conn(store: &Store) {
    let Some(region) = by_id("conn") else { return };
    let (state, text) = match store.conn {
        Conn::Connecting => ("connecting", "Connecting…"),
        Conn::Live => ("live", "Live"),
        Conn::Retrying(_) => ("retrying", "Reconnecting…"),
    };
    let _ = region.set_attribute("data-state", state);
    region.set_text_content(Some(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_colours() {
        assert_eq!(initials("ann lee"), "AL");
        assert_eq!(initials("Zoë"), "Z");
        assert_eq!(initials("Jean Paul Sartre"), "JS");
        assert_eq!(initials("  "), "?");
        assert_eq!(avatar_colour("Ann"), avatar_colour("Ann"));
        assert_ne!(avatar_colour("Ann"), avatar_colour("Bob"));
    }
}
