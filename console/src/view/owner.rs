//! Owner mode: the page frame with its tabs, the agents page (add, rename,
//! groups, rotate/revoke token, a new token shown once) and the groups page.

use presenza_protocol::limits::{MAX_DISPLAY_NAME_CHARS, MAX_ENTITY_ID_LEN};
use presenza_protocol::view::{AgentView, GroupView};
use presenza_protocol::GroupId;
use presenza_rules::ChosenBy;

use super::agent::agent_face;
use super::dom::{by_id, check, el, find_all, replace, El};
use super::signin::logo;
use super::{
    agent, availability, devices, dot, hours, keep, onboarding, replies, settings, status_label,
    webhooks, Fresh,
};
use crate::clock;
use crate::store::{Page, Store};
use presenza_rules::Status;

/// Ids the edge accepts (agents and groups): lowercase letters, digits, _
/// and -, starting with a letter or digit.
fn id_pattern() -> String {
    format!("[a-z0-9][a-z0-9_\\-]{{0,{}}}", MAX_ENTITY_ID_LEN - 1)
}

fn id_title() -> String {
    format!(
        "1 to {MAX_ENTITY_ID_LEN} characters: a-z, 0-9, _ and -, starting with a letter or digit"
    )
}

pub fn shell(store: &Store) -> web_sys::Element {
    let tabs = Page::ALL.into_iter().map(|p| {
        el("a")
            .attr("href", &format!("#{}", p.slug()))
            .class("tab")
            .data("page", p.slug())
            .text(p.tab())
    });
    el("div")
        .class("shell")
        .class("owner-shell")
        .child(
            el("header")
                .class("topbar")
                .child(
                    el("div").class("brand").child(logo()).child(
                        el("div")
                            .class("brand-text")
                            .child(el("strong").text("Presenza"))
                            .child(
                                el("span")
                                    .attr("id", "site-name")
                                    .class("muted")
                                    .class("site-name")
                                    .attr("title", store.site())
                                    .user_text(&format!("{} · owner", super::site_label(store))),
                            ),
                    ),
                )
                .child(
                    el("nav")
                        .class("tabs")
                        .attr("aria-label", "Site settings")
                        .children(tabs),
                )
                .child(
                    el("div")
                        .class("topbar-end")
                        // An owner signed in as their own agent stays so
                        // on these pages: their picture and status menu.
                        .child_if(store.me.is_some().then(|| agent::me(false)))
                        .child(
                            el("button")
                                .attr("type", "button")
                                .attr("id", "inbox-link")
                                .class("ghost")
                                .action("open-inbox")
                                .flag("hidden", !answers_chats(store))
                                .text("Inbox"),
                        )
                        .child(
                            el("button")
                                .attr("type", "button")
                                .class("ghost")
                                .action("sign-out")
                                .text("Sign out"),
                        ),
                ),
        )
        .child(el("div").attr("id", "checklist").class("checklist-region"))
        .child(el("main").attr("id", "page").class("page"))
        .build()
}

/// Whether the owner answers chats (the top bar then leads to the inbox).
pub fn answers_chats(store: &Store) -> bool {
    store
        .owner
        .settings
        .as_ref()
        .is_some_and(|s| s.owner_agent.is_some())
}

pub fn render_page(store: &Store, fresh: Fresh) {
    let Some(region) = by_id("page") else { return };
    let page = store.owner.page;
    for tab in find_all(&region.parent_element().unwrap_or(region.clone()), ".tab") {
        if tab.get_attribute("data-page").as_deref() == Some(page.slug()) {
            let _ = tab.set_attribute("aria-current", "page");
        } else {
            let _ = tab.remove_attribute("aria-current");
        }
    }
    let body = match page {
        Page::Agents => agents_page(store),
        Page::Groups => groups_page(store),
        Page::Hours => hours::page(store),
        Page::Settings => settings::settings_page(store),
        Page::Replies => replies::page(store),
        Page::Availability => availability::page(store),
        Page::Embed => settings::embed_page(store),
        Page::Webhooks => webhooks::page(store),
    };
    let typed = keep::snapshot(&region, fresh);
    replace(
        &region,
        el("div")
            .class("page-inner")
            .child(el("h1").text(page.title()))
            .children(body),
    );
    keep::restore(&region, fresh, typed);
}

/// The note (saved / error) for form `form`, if it is about that form.
pub fn note(store: &Store, form: &str) -> Option<El> {
    let n = store.owner.note.as_ref().filter(|n| n.form == form)?;
    Some(
        el("p")
            .class(if n.error { "error" } else { "ok" })
            .attr("role", if n.error { "alert" } else { "status" })
            .text(&n.text),
    )
}

pub fn loading() -> El {
    el("p").class("muted").class("loading").text("Loading…")
}

/// A button that needs a second click: the first shows "Confirm …".
pub fn confirm_button(
    store: &Store,
    key: &str,
    label: &str,
    confirm_label: &str,
    action: &str,
    id: &str,
) -> El {
    let armed = store.owner.confirm.as_deref() == Some(key);
    let button = el("button").attr("type", "button").class("danger");
    if armed {
        button
            .class("armed")
            .action(action)
            .data("id", id)
            .text(confirm_label)
    } else {
        button.action("confirm").data("key", key).text(label)
    }
}

pub fn group_boxes(groups: &[GroupView], chosen: &[GroupId], prefix: &str) -> El {
    if groups.is_empty() {
        return el("p")
            .class("muted")
            .class("small")
            .text("No groups: the agent answers for the whole site.");
    }
    el("div").class("checks").children(groups.iter().map(|g| {
        let id = format!("{prefix}-{}", g.id);
        let label = if g.name.is_empty() {
            g.id.as_str()
        } else {
            &g.name
        };
        check(&id, "groups", g.id.as_str(), label, chosen.contains(&g.id))
    }))
}

fn token_panel(store: &Store) -> Option<El> {
    let t = store.owner.new_token.as_ref()?;
    Some(shown_once(
        &format!("Token for {}", t.agent),
        " — copy it now and give it to the agent: it is shown only once.",
        &t.token,
    ))
}

/// A secret shown this once (an agent's token, the webhook secret), with
/// Copy and a way to hide it.
pub fn shown_once(title: &str, advice: &str, value: &str) -> El {
    el("div")
        .attr("id", "new-token")
        .class("card")
        .class("token-panel")
        .attr("role", "status")
        .child(el("p").child(el("strong").text(title)).text(advice))
        .child(
            el("div")
                .class("copy-row")
                .child(
                    el("code")
                        .attr("id", "new-token-value")
                        .class("token")
                        .text(value),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("primary")
                        .action("copy")
                        .data("copy", "#new-token-value")
                        .text("Copy"),
                ),
        )
        .child(
            el("button")
                .attr("type", "button")
                .class("link")
                .action("dismiss-token")
                .text("Done, hide it"),
        )
}

fn agents_page(store: &Store) -> Vec<El> {
    let groups = store.owner.groups.as_deref().unwrap_or(&[]);
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    parts.extend(token_panel(store));
    parts.push(onboarding::owner_agent_card(store));
    parts.push(
        el("section")
            .class("card")
            .child(el("h2").text("Add an agent"))
            .child(
                el("form")
                    .class("form-grid")
                    .action("agent-add")
                    .attr("id", "agent-add")
                    .child(
                        el("label").text("Name").child(
                            el("input")
                                .attr("name", "name")
                                .attr("required", "")
                                .attr("placeholder", "Ann Lee")
                                .maxlength(MAX_DISPLAY_NAME_CHARS),
                        ),
                    )
                    .child(
                        el("label")
                            .text("ID ")
                            .child(el("span").class("muted").text("(optional)"))
                            .child(
                                el("input")
                                    .attr("name", "id")
                                    .attr("placeholder", "from the name: ann-lee")
                                    .attr("spellcheck", "false")
                                    .maxlength(MAX_ENTITY_ID_LEN)
                                    .attr("pattern", &id_pattern())
                                    .attr("title", &id_title()),
                            ),
                    )
                    .child(
                        el("label")
                            .text("E-mail ")
                            .child(
                                el("span")
                                    .class("muted")
                                    .text("(optional: messages left while nobody is online)"),
                            )
                            .child(
                                el("input")
                                    .attr("name", "email")
                                    .attr("type", "email")
                                    .attr("autocomplete", "off")
                                    .attr("placeholder", "ann@example.com"),
                            ),
                    )
                    .child(
                        el("fieldset")
                            .class("wide")
                            .child(el("legend").text("Groups"))
                            .child(group_boxes(groups, &[], "new")),
                    )
                    .child(
                        el("div")
                            .class("actions")
                            .class("wide")
                            .child(
                                el("button")
                                    .attr("type", "submit")
                                    .class("primary")
                                    .text("Add agent"),
                            )
                            .child_if(note(store, "agent-add")),
                    ),
            ),
    );
    let list = match &store.owner.agents {
        None => loading(),
        Some(agents) if agents.is_empty() => el("p")
            .class("muted")
            .text("No agents yet. Add one above and give them their token."),
        Some(agents) => el("ul")
            .class("rows")
            .class("agent-rows")
            .attr("role", "list")
            .children(agents.iter().map(|a| agent_row(store, a, groups))),
    };
    let count = store.owner.agents.as_ref().map(Vec::len).unwrap_or(0);
    parts.push(
        el("section")
            .class("card")
            .child(
                el("h2")
                    .text("Agents ")
                    .child(el("span").class("count").text(&count.to_string())),
            )
            .child(list),
    );
    parts
}

/// The editable name of an agent or a group in its row, with the id beside it.
/// `prefix` keeps the input ids of agents and groups apart.
fn name_field(prefix: &str, id: &str, name: &str) -> El {
    let input_id = format!("{prefix}-{id}");
    el("div")
        .class("row-main")
        .child(
            el("label")
                .class("visually-hidden")
                .attr("for", &input_id)
                .text(&format!("Name of {id}")),
        )
        .child(
            el("input")
                .attr("id", &input_id)
                .attr("name", "name")
                .maxlength(MAX_DISPLAY_NAME_CHARS)
                .value(name),
        )
        .child(el("code").class("muted").class("small").text(id))
}

fn agent_row(store: &Store, a: &AgentView, groups: &[GroupView]) -> El {
    let status = a.status;
    let devices = a.devices;
    let since = a
        .since
        .map(|t| format!(" since {}", clock::when(t.millis(), clock::now())))
        .unwrap_or_default();
    let row_form = format!("agent-save:{}", a.id);
    let shown_devices = store
        .owner
        .devices
        .as_ref()
        .filter(|(agent, _)| agent == a.id.as_str())
        .map(|(_, panel)| panel);
    el("li").class("row").data("agent", a.id.as_str()).child(
        el("form")
            .class("row-form")
            .action("agent-save")
            .data("id", a.id.as_str())
            .child(agent_face(
                store,
                a.id.as_str(),
                a.display_name(),
                a.picture.as_deref(),
                38,
            ))
            .child(
                name_field("name", a.id.as_str(), &a.name).child(
                    el("input")
                        .attr("name", "email")
                        .attr("type", "email")
                        .attr("autocomplete", "off")
                        .attr("placeholder", "E-mail (optional)")
                        .attr("aria-label", &format!("E-mail of {}", a.display_name()))
                        .value(a.email.as_deref().unwrap_or("")),
                ),
            )
            .child(
                el("span")
                    .class("row-status")
                    .attr("data-status", status.as_str())
                    .attr(
                        "title",
                        &format!(
                            "Chosen: {}{}",
                            status_label(a.manual_status),
                            if a.set_by == ChosenBy::WorkingHours {
                                " (by working hours)"
                            } else {
                                ""
                            }
                        ),
                    )
                    .child(dot(status))
                    .child(
                        el("span")
                            .text(&format!("{}{since}", status_label(status)))
                            .child_if((devices > 0).then(|| {
                                el("span").class("muted").class("small").text(&format!(
                                    " · {devices} device{}",
                                    if devices == 1 { "" } else { "s" }
                                ))
                            })),
                    ),
            )
            .child(el("div").class("row-groups").child(group_boxes(
                groups,
                &a.groups,
                &format!("g-{}", a.id),
            )))
            .child(
                el("div")
                    .class("row-actions")
                    .child(el("button").attr("type", "submit").text("Save"))
                    .child_if((a.status != Status::Offline).then(|| {
                        el("button")
                            .attr("type", "button")
                            .action("set-offline")
                            .data("id", a.id.as_str())
                            .attr("aria-label", &format!("Set {} offline", a.display_name()))
                            .text("Set offline")
                    }))
                    .child(
                        el("button")
                            .attr("type", "button")
                            .action("agent-devices")
                            .data("id", a.id.as_str())
                            .attr(
                                "aria-expanded",
                                if shown_devices.is_some() {
                                    "true"
                                } else {
                                    "false"
                                },
                            )
                            .text("Devices"),
                    )
                    .child(confirm_button(
                        store,
                        &format!("rotate:{}", a.id),
                        "New token",
                        "Confirm: old token stops",
                        "rotate",
                        a.id.as_str(),
                    ))
                    .child(confirm_button(
                        store,
                        &format!("revoke:{}", a.id),
                        "Revoke",
                        "Confirm revoke",
                        "revoke",
                        a.id.as_str(),
                    )),
            )
            .child_if(note(store, &row_form).map(|n| n.class("wide")))
            .child_if(shown_devices.map(|panel| {
                el("div")
                    .class("wide")
                    .class("row-devices")
                    .child(devices::list(
                        panel,
                        &devices::Revoker::Owner {
                            agent: a.id.as_str(),
                        },
                    ))
            })),
    )
}

fn groups_page(store: &Store) -> Vec<El> {
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    parts.push(
        el("section")
            .class("card")
            .child(el("h2").text("Add a group"))
            .child(el("p").class("muted").text(
                "Groups are teams visitors can reach (Sales, Support). A widget can show one group's \
                 availability; agents in no group count for every group.",
            ))
            .child(
                el("form")
                    .class("form-grid")
                    .action("group-add")
                    .child(
                        el("label")
                            .text("Name")
                            .child(el("input").attr("name", "name").attr("required", "").attr("placeholder", "Sales").maxlength(MAX_DISPLAY_NAME_CHARS)),
                    )
                    .child(
                        el("label")
                            .text("ID ")
                            .child(el("span").class("muted").text("(optional)"))
                            .child(el("input").attr("name", "id").attr("placeholder", "from the name: sales").attr("spellcheck", "false").maxlength(MAX_ENTITY_ID_LEN).attr("pattern", &id_pattern()).attr("title", &id_title())),
                    )
                    .child(
                        el("div")
                            .class("actions")
                            .class("wide")
                            .child(el("button").attr("type", "submit").class("primary").text("Add group"))
                            .child_if(note(store, "group-add")),
                    ),
            ),
    );
    let list = match &store.owner.groups {
        None => loading(),
        Some(groups) if groups.is_empty() => el("p")
            .class("muted")
            .text("No groups: all agents answer for the whole site."),
        Some(groups) => el("ul")
            .class("rows")
            .attr("role", "list")
            .children(groups.iter().map(|g| {
                el("li").class("row").data("group", g.id.as_str()).child(
                    el("form")
                        .class("row-form")
                        .class("group-form")
                        .action("group-save")
                        .data("id", g.id.as_str())
                        .child(name_field("group", g.id.as_str(), &g.name))
                        .child(
                            el("div")
                                .class("row-actions")
                                .child(el("button").attr("type", "submit").text("Save"))
                                .child(confirm_button(
                                    store,
                                    &format!("delete-group:{}", g.id),
                                    "Delete",
                                    "Confirm delete",
                                    "delete-group",
                                    g.id.as_str(),
                                )),
                        )
                        .child_if(
                            note(store, &format!("group-save:{}", g.id)).map(|n| n.class("wide")),
                        ),
                )
            })),
    };
    parts.push(
        el("section")
            .class("card")
            .child(el("h2").text("Groups"))
            .child(list),
    );
    parts
}
