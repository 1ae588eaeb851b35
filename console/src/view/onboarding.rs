//! The owner's first steps: the checklist drawn above every owner page
//! until each step is done (each step links to the page where it is done;
//! "seen on https://shop.example/cart at 10:42" says the chat box is live),
//! and the switch on the agents page by which the owner answers chats too,
//! with the way to the inbox.

use presenza_protocol::limits::MAX_DISPLAY_NAME_CHARS;
use presenza_protocol::view::{HoursStep, OnboardingView};

use super::dom::{by_id, el, replace, El};
use super::owner::{group_boxes, note};
use crate::clock;
use crate::store::Store;

/// Draws the checklist region (empty once every step is done).
pub fn render(store: &Store) {
    let Some(region) = by_id("checklist") else {
        return;
    };
    let body = match &store.owner.checklist {
        Some(list) if !list.done => checklist(store, list),
        _ => el("div"),
    };
    replace(&region, body);
}

fn step(done: bool, title: &str, detail: El) -> El {
    el("li")
        .class("step")
        .data("done", if done { "yes" } else { "no" })
        .child(
            el("span")
                .class("step-mark")
                .attr("aria-hidden", "true")
                .text(if done { "✓" } else { "○" }),
        )
        .child(
            el("div")
                .class("step-text")
                .child(el("strong").text(title).child(
                    el("span").class("visually-hidden").text(if done {
                        " (done)"
                    } else {
                        " (to do)"
                    }),
                ))
                .child(detail),
        )
}

fn link(href: &str, text: &str) -> El {
    el("a").attr("href", href).text(text)
}

fn checklist(store: &Store, list: &OnboardingView) -> El {
    let now = clock::now();
    let seen = match (&list.widget_first_seen, &list.widget_last_seen) {
        (_, Some(last)) | (Some(last), None) => el("p")
            .attr("id", "widget-seen")
            .text("Your chat box was seen on ")
            .child(el("a").attr("href", &last.page).user_text(&last.page))
            .text(&format!(" at {}.", clock::when(last.at.millis(), now))),
        (None, None) => el("p")
            .text("Paste the snippet from ")
            .child(link("#embed", "Embed"))
            .text(" before </body> on your pages, open one, then check again."),
    };
    let hours = match list.working_hours {
        HoursStep::Set => el("p").text("Your working hours are set."),
        HoursStep::Declined => el("p").text("You do without working hours. ").child(
            el("button")
                .attr("type", "button")
                .class("link")
                .action("decline-hours")
                .data("declined", "no")
                .text("Undo"),
        ),
        HoursStep::Pending => el("p")
            .child(link("#hours", "Set them"))
            .text(" or ")
            .child(
                el("button")
                    .attr("type", "button")
                    .class("link")
                    .action("decline-hours")
                    .data("declined", "yes")
                    .text("we don't use working hours"),
            )
            .text("."),
    };
    el("section")
        .class("card")
        .class("checklist")
        .attr("aria-labelledby", "checklist-title")
        .child(
            el("h2")
                .attr("id", "checklist-title")
                .text("Get your site ready"),
        )
        .child(
            el("ol")
                .class("steps")
                .child(step(
                    list.site_named,
                    "Name your site",
                    el("p")
                        .text("Visitors and agents see it. ")
                        .child(link("#settings", "Settings")),
                ))
                .child(step(
                    list.widget_first_seen.is_some(),
                    "Put the chat box on your site",
                    seen,
                ))
                .child(step(
                    list.agents > 0,
                    "Someone to answer",
                    el("p")
                        .text("Add an agent, or answer chats yourself: ")
                        .child(link("#agents", "Agents")),
                ))
                .child(step(
                    list.working_hours != HoursStep::Pending,
                    "Working hours",
                    hours,
                ))
                .child(step(
                    list.chat_answered,
                    "A first chat, answered",
                    el("p").text(
                        "Write in your chat box as a visitor would, then answer it from the inbox.",
                    ),
                )),
        )
        .child(
            el("div")
                .class("actions")
                .child(
                    el("button")
                        .attr("type", "button")
                        .action("reload-checklist")
                        .text("Check again"),
                )
                .child_if(note(store, "checklist")),
        )
}

/// The agents page's switch: the owner answers chats too.
pub fn owner_agent_card(store: &Store) -> El {
    let owner_agent = store
        .owner
        .settings
        .as_ref()
        .and_then(|s| s.owner_agent.as_ref());
    let me = owner_agent.and_then(|id| {
        store
            .owner
            .agents
            .as_ref()
            .and_then(|list| list.iter().find(|a| a.id == *id))
    });
    let on = owner_agent.is_some();
    let name = me
        .map(|a| a.name.clone())
        .or_else(|| store.owner.settings.as_ref().and_then(|s| s.name.clone()))
        .unwrap_or_default();
    let chosen = me.map(|a| a.groups.clone()).unwrap_or_default();
    let groups = store.owner.groups.as_deref().unwrap_or(&[]);
    el("section")
        .class("card")
        .attr("id", "owner-agent")
        .child(el("h2").text("You answer chats too"))
        .child(el("p").class("muted").text(
            "Turn this on and you are an agent of your own site: one sign-in for the settings \
             and the inbox.",
        ))
        .child(
            el("form")
                .class("form-grid")
                .action("owner-agent")
                .child(
                    el("label")
                        .class("check")
                        .class("wide")
                        .attr("for", "owner-agent-on")
                        .child(
                            el("input")
                                .attr("type", "checkbox")
                                .attr("id", "owner-agent-on")
                                .attr("name", "on")
                                .attr("role", "switch")
                                .flag("checked", on),
                        )
                        .child(el("span").text("I answer chats on this site")),
                )
                .child(
                    el("label").text("Your name, as visitors see it").child(
                        el("input")
                            .attr("name", "name")
                            .attr("placeholder", "Olga")
                            .maxlength(MAX_DISPLAY_NAME_CHARS)
                            .value(&name),
                    ),
                )
                .child(
                    el("fieldset")
                        .class("wide")
                        .child(el("legend").text("Your groups"))
                        .child(group_boxes(groups, &chosen, "owner")),
                )
                .child(
                    el("div")
                        .class("actions")
                        .class("wide")
                        .child(
                            el("button")
                                .attr("type", "submit")
                                .class("primary")
                                .text("Save"),
                        )
                        .child_if(on.then(|| {
                            el("button")
                                .attr("type", "button")
                                .action("open-inbox")
                                .text("Open the inbox")
                        }))
                        .child_if(note(store, "owner-agent")),
                ),
        )
}
