//! Signed-in devices as a list: the agent's own (from its status menu) and
//! one agent's on the owner's Agents page. Each shows its name, when it was
//! last used, whether it is live, and a button that signs it out for good.

use presenza_protocol::view::DeviceView;

use super::dom::{el, El};
use crate::clock;
use crate::store::DevicesPanel;

/// Who may revoke from this list: the agent itself (not its current
/// device: the status menu's Sign out does that) or the owner.
pub enum Revoker<'a> {
    Agent,
    Owner { agent: &'a str },
}

pub fn list(panel: &DevicesPanel, revoker: &Revoker<'_>) -> El {
    match (&panel.list, &panel.error) {
        (_, Some(error)) => el("p").class("error").attr("role", "alert").text(error),
        (None, None) => el("p").class("muted").text("Loading…"),
        (Some(list), None) if list.is_empty() => el("p")
            .class("muted")
            .text("No signed-in devices: the agent token has not been used to sign a browser in."),
        (Some(list), None) => el("ul")
            .class("device-list")
            .attr("role", "list")
            .children(list.iter().map(|d| row(d, revoker))),
    }
}

fn row(d: &DeviceView, revoker: &Revoker<'_>) -> El {
    let now = clock::now();
    let used = if d.live {
        "connected now".to_owned()
    } else {
        format!("last used {}", clock::when(d.last_used_at.millis(), now))
    };
    let button = match revoker {
        Revoker::Agent if d.current => None,
        Revoker::Agent => Some(
            el("button")
                .attr("type", "button")
                .class("danger")
                .action("revoke-device")
                .data("id", d.id.as_str())
                .attr("aria-label", &format!("Sign out {}", d.name))
                .text("Sign out"),
        ),
        Revoker::Owner { agent } => Some(
            el("button")
                .attr("type", "button")
                .class("danger")
                .action("revoke-agent-device")
                .data("agent", agent)
                .data("id", d.id.as_str())
                .attr("aria-label", &format!("Sign out {}", d.name))
                .text("Sign out"),
        ),
    };
    el("li")
        .class("device")
        .data("device", d.id.as_str())
        .child(
            el("span").class("device-name").user_text(&d.name).child_if(
                d.current
                    .then(|| el("span").class("muted").text(" (this browser)")),
            ),
        )
        .child(el("span").class("muted").class("small").text(&used))
        .child_if(button)
}
