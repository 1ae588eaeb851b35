//! The inbox: conversations on the left under Open / Closed tabs (waiting
//! ones, offline messages among them, first; unread counts; "Load more"
//! while the edge has more), the open conversation on the right with Close
//! (or Reopen) and its reply box, which a closed conversation replaces with
//! a note and Reopen. On a phone only one of the two shows (`data-view` on
//! the region). A conversation's assignee shows in its row and in an
//! Assign control above its messages; the list shows all conversations,
//! those assigned to the agent or the unassigned ones.
//!
//! Everything a visitor or an agent wrote is put in text nodes
//! (`El::text`), never parsed as HTML.
//!
//! A visitor who is typing shows as "typing…" in their row and as "Marco is
//! typing…" under the open conversation's messages (`store::typing`).
//!
//! The region is redrawn whole; what the agent is doing survives it: the
//! reply being typed (with focus and caret), the list's scroll position,
//! and the messages' (which follow new messages when at the bottom).

use presenza_protocol::limits::MAX_MESSAGE_CHARS;
use presenza_rules::{AssignedFilter, ConversationState, MessageKind, UnixMillis};
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::agent::{agent_face, avatar_colour, initials};
use super::context;
use super::dom::{by_id, document, el, find, focus, replace, El};
use super::notification_permission;
use crate::clock;
use crate::store::inbox::{Assignee, Author, Conversation, Inbox, Message, Outgoing};
use crate::store::typing::Typing;
use crate::store::Store;

/// The reply box's `maxlength`. The browser counts UTF-16 code units, and a
/// reply of [`MAX_MESSAGE_CHARS`] characters takes up to twice as many; the
/// limit itself (in characters) is checked before a reply is sent, with
/// words, so a longer paste is explained rather than silently cut.
const REPLY_MAXLENGTH: usize = 2 * MAX_MESSAGE_CHARS;

/// Closer to the bottom than this (px) counts as "at the bottom".
const BOTTOM_SLACK: i32 = 48;

pub fn render(region: &Element, store: &Store) {
    let inbox = &store.inbox;
    let selected = inbox.selected();
    let _ = region.set_attribute(
        "data-view",
        if selected.is_some() {
            "conversation"
        } else {
            "list"
        },
    );
    let kept = Kept::take(region, selected.map(|c| c.id.as_str()));
    let now = clock::now();

    let unread = inbox.unread();
    let mut head = el("div")
        .class("inbox-head")
        .child(el("h2").text("Inbox"))
        .child_if((unread > 0).then(|| {
            el("span")
                .class("badge")
                .attr("aria-label", &format!("{unread} unread"))
                .text(&unread.to_string())
        }));
    head = head.child(
        el("button")
            .attr("type", "button")
            .class("link")
            .class("sound-toggle")
            .action("toggle-sound")
            .attr("aria-pressed", if store.sound { "true" } else { "false" })
            .text(if store.sound { "Sound on" } else { "Sound off" }),
    );
    if notification_permission().as_deref() == Some("default") {
        head = head.child(
            el("button")
                .attr("type", "button")
                .class("link")
                .action("enable-notifications")
                .text("Notify me of new messages"),
        );
    }

    let tab = inbox.tab;
    let tabs = el("div")
        .class("inbox-tabs")
        .attr("role", "tablist")
        .attr("aria-label", "Conversations")
        .child(tab_button(ConversationState::Open, "Open", tab))
        .child(tab_button(ConversationState::Closed, "Closed", tab));
    let filter = assigned_filter(inbox.assigned);

    let shown = inbox.ordered();
    let list = if !inbox.is_empty() && shown.is_empty() && inbox.next_cursor.is_none() {
        el("div").class("empty").child(el("p").class("muted").text(
            if inbox.assigned == AssignedFilter::Me {
                "No conversations assigned to you here."
            } else {
                "No unassigned conversations here."
            },
        ))
    } else if !inbox.is_empty() {
        let more = inbox.next_cursor.is_some().then(|| {
            el("li").class("more").child(
                el("button")
                    .attr("type", "button")
                    .attr("id", "load-more")
                    .action("load-more")
                    .flag("disabled", inbox.more_loading)
                    .attr(
                        "aria-busy",
                        if inbox.more_loading { "true" } else { "false" },
                    )
                    .text(if inbox.more_loading {
                        "Loading…"
                    } else {
                        "Load more"
                    }),
            )
        });
        let error = inbox.load_error.as_deref().map(|e| {
            el("li")
                .class("more")
                .child(el("p").class("error").attr("role", "alert").text(e))
        });
        el("ul")
            .class("conversations")
            .attr("role", "list")
            .children(
                shown
                    .into_iter()
                    .map(|c| item(c, selected, &inbox.me, &store.typing, now)),
            )
            .child_if(error)
            .child_if(more)
    } else if let Some(error) = &inbox.load_error {
        el("div")
            .class("empty")
            .child(el("p").class("error").attr("role", "alert").text(error))
            .child(
                el("button")
                    .attr("type", "button")
                    .action("reload-inbox")
                    .text("Try again"),
            )
    } else if !inbox.loaded() {
        el("div")
            .class("empty")
            .child(el("p").class("muted").text("Loading conversations…"))
    } else if tab == ConversationState::Closed {
        el("div")
            .class("empty")
            .child(el("div").class("empty-icon").attr("aria-hidden", "true"))
            .child(el("p").class("empty-title").text("No closed conversations"))
            .child(
                el("p")
                    .class("muted")
                    .text("Conversations you close appear here; reopen one to write again."),
            )
    } else {
        el("div")
            .class("empty")
            .child(el("div").class("empty-icon").attr("aria-hidden", "true"))
            .child(el("p").class("empty-title").text("No conversations yet"))
            .child(
                el("p")
                    .class("muted")
                    .text("Visitors' messages appear here as they arrive, offline messages first."),
            )
    };
    let panel = el("div")
        .attr("id", "conversation-list")
        .class("list-panel")
        .attr("role", "tabpanel")
        .attr("aria-labelledby", &format!("tab-{}", tab.as_str()))
        .child(list);

    let pane = match selected {
        Some(c) => conversation(c, store, now),
        None => el("div")
            .class("pane-empty")
            .child(el("p").class("muted").text(
                if inbox.is_empty() && tab == ConversationState::Open {
                    "When a visitor writes, the conversation opens here."
                } else {
                    "Choose a conversation."
                },
            )),
    };

    replace(
        region,
        el("div")
            .class("inbox-grid")
            .child(
                el("div")
                    .class("inbox-list")
                    .child(head)
                    .child(tabs)
                    .child(filter)
                    .child(panel),
            )
            .child(el("div").class("inbox-pane").child(pane)),
    );
    kept.restore(region);
}

/// One tab of the list (the WAI-ARIA tabs pattern: the selected tab is
/// the one Tab reaches; arrow keys move between them).
fn tab_button(state: ConversationState, label: &str, shown: ConversationState) -> El {
    let on = state == shown;
    el("button")
        .attr("type", "button")
        .attr("id", &format!("tab-{}", state.as_str()))
        .class("inbox-tab")
        .attr("role", "tab")
        .attr("aria-selected", if on { "true" } else { "false" })
        .attr("aria-controls", "conversation-list")
        .attr("tabindex", if on { "0" } else { "-1" })
        .action("inbox-tab")
        .data("tab", state.as_str())
        .text(label)
}

/// What the agent was doing in the region before a redraw.
struct Kept {
    /// The open conversation the reply box and messages belonged to.
    conversation: Option<String>,
    reply: Option<String>,
    focused: bool,
    caret: (JsValue, JsValue),
    list_top: i32,
    /// scrollTop of the messages, unless they were at the bottom.
    messages_top: Option<i32>,
    /// The id of another focused control (a tab, Load more, Close).
    focused_id: Option<String>,
}

impl Kept {
    fn take(region: &Element, selected: Option<&str>) -> Kept {
        let view = find(region, ".conversation-view");
        let shown = view.as_ref().and_then(|v| v.get_attribute("data-id"));
        let same = shown.is_some() && shown.as_deref() == selected;
        let area = by_id("reply-text").filter(|_| same);
        let focused = area.is_some()
            && document()
                .active_element()
                .is_some_and(|a| a.id() == "reply-text");
        let get = |e: &Element, p: &str| js_sys::Reflect::get(e, &p.into()).unwrap_or_default();
        let messages_top = find(region, ".messages").filter(|_| same).and_then(|m| {
            let at_bottom = m.scroll_height() - m.scroll_top() - m.client_height() <= BOTTOM_SLACK;
            (!at_bottom).then(|| m.scroll_top())
        });
        let focused_id = document()
            .active_element()
            .filter(|a| region.contains(Some(a)))
            .map(|a| a.id())
            .filter(|id| !id.is_empty() && id != "reply-text");
        Kept {
            focused_id,
            conversation: shown.filter(|_| same),
            reply: area.as_ref().and_then(|a| get(a, "value").as_string()),
            focused,
            caret: area
                .as_ref()
                .map(|a| (get(a, "selectionStart"), get(a, "selectionEnd")))
                .unwrap_or_default(),
            list_top: find(region, ".conversations").map_or(0, |l| l.scroll_top()),
            messages_top,
        }
    }

    fn restore(self, region: &Element) {
        if let Some(list) = find(region, ".conversations") {
            list.set_scroll_top(self.list_top);
        }
        if let Some(messages) = find(region, ".messages") {
            // A conversation just opened, or one followed at the bottom,
            // shows its newest messages.
            let top = match (&self.conversation, self.messages_top) {
                (Some(_), Some(top)) => top,
                _ => messages.scroll_height(),
            };
            messages.set_scroll_top(top);
        }
        if let Some(control) = self.focused_id.as_deref().and_then(by_id) {
            focus(&control);
        }
        let (Some(text), Some(area)) = (self.reply, by_id("reply-text")) else {
            return;
        };
        let _ = js_sys::Reflect::set(&area, &"value".into(), &text.into());
        if self.focused {
            focus(&area);
            let (start, end) = self.caret;
            if !start.is_undefined() && !start.is_null() {
                let _ = js_sys::Reflect::set(&area, &"selectionStart".into(), &start);
                let _ = js_sys::Reflect::set(&area, &"selectionEnd".into(), &end);
            }
        }
    }
}

/// The visitor's initials on a colour of their own.
fn face(c: &Conversation) -> El {
    let title = c.title();
    el("span")
        .class("face")
        .attr("aria-hidden", "true")
        .attr(
            "style",
            &format!("background:{}", avatar_colour(&c.visitor.id)),
        )
        .text(&initials(&title))
}

/// "You: …", "Marco: …", "Auto-reply: …" or the visitor's own words.
fn preview(c: &Conversation, me: &str) -> String {
    let Some(m) = c.latest() else {
        return String::new();
    };
    let text: String = m.text.split_whitespace().collect::<Vec<_>>().join(" ");
    match &m.author {
        Author::Visitor => text,
        Author::Agent { id, .. } if id == me => format!("You: {text}"),
        Author::Agent { name, .. } => format!("{name}: {text}"),
        Author::System(Some(MessageKind::AutoReply)) => format!("Auto-reply: {text}"),
        // The note of a close ("Conversation closed by Ann.") speaks for itself.
        Author::System(_) => text,
    }
}

/// "Marco" (or "You") on a conversation assigned to someone.
fn assignee_tag(a: &Assignee, me: &str) -> El {
    let name = if a.id == me { "You" } else { a.name.as_str() };
    el("span")
        .class("tag")
        .class("assignee")
        .attr("title", "Assigned to")
        .child(el("span").class("visually-hidden").text("Assigned to "))
        .user_text(name)
}

/// All / Assigned to me / Unassigned: which assignees the list shows.
fn assigned_filter(shown: AssignedFilter) -> El {
    let option = |f: AssignedFilter, label: &str| {
        el("option")
            .attr("value", f.as_str())
            .flag("selected", f == shown)
            .text(label)
    };
    el("div")
        .class("assigned-filter")
        .child(el("label").attr("for", "assigned-filter").text("Show"))
        .child(
            el("select")
                .attr("id", "assigned-filter")
                .action("assigned-filter")
                .child(option(AssignedFilter::Any, "All conversations"))
                .child(option(AssignedFilter::Me, "Assigned to me"))
                .child(option(AssignedFilter::Nobody, "Unassigned")),
        )
}

/// The open conversation's Assign control: nobody, the agents who serve
/// it (with their status now) and, as transfers, the site's groups.
fn assign_control(c: &Conversation, inbox: &Inbox) -> El {
    let pending = inbox.assign_pending.as_deref() == Some(c.id.as_str());
    let current = c.assignee.as_ref().map(|a| a.id.as_str());
    let choices = inbox
        .choices
        .as_ref()
        .filter(|(id, _)| *id == c.id)
        .map(|(_, ch)| ch);
    let mut agents = el("optgroup").attr("label", "Agents");
    let mut listed_current = false;
    for a in choices.map(|ch| ch.agents.as_slice()).unwrap_or_default() {
        let id = a.id.as_str();
        listed_current |= Some(id) == current;
        let you = if id == inbox.me { " (you)" } else { "" };
        agents = agents.child(
            el("option")
                .attr("value", &format!("agent:{id}"))
                .flag("selected", Some(id) == current)
                .user_text(&format!("{}{you} · {}", a.name, a.status.as_str())),
        );
    }
    if let (Some(a), false) = (c.assignee.as_ref(), listed_current) {
        agents = agents.child(
            el("option")
                .attr("value", &format!("agent:{}", a.id))
                .flag("selected", true)
                .user_text(&a.name),
        );
    }
    let mut groups = el("optgroup").attr("label", "Transfer to group");
    for g in choices.map(|ch| ch.groups.as_slice()).unwrap_or_default() {
        if c.group.as_deref() != Some(g.id.as_str()) {
            groups = groups.child(
                el("option")
                    .attr("value", &format!("group:{}", g.id))
                    .user_text(&g.name),
            );
        }
    }
    let has_groups = choices.is_some_and(|ch| {
        ch.groups
            .iter()
            .any(|g| c.group.as_deref() != Some(g.id.as_str()))
    });
    el("div")
        .class("assign")
        .child(el("label").attr("for", "assign-to").text("Assigned to"))
        .child(
            el("select")
                .attr("id", "assign-to")
                .action("assign")
                .data("id", &c.id)
                .flag("disabled", pending || c.is_closed())
                .attr("aria-busy", if pending { "true" } else { "false" })
                .child(
                    el("option")
                        .attr("value", "none")
                        .flag("selected", current.is_none())
                        .text("Nobody"),
                )
                .child(agents)
                .child_if(has_groups.then_some(groups)),
        )
        .child_if(
            inbox
                .assign_error
                .as_deref()
                .map(|e| el("p").class("error").attr("role", "alert").text(e)),
        )
}

fn group_tag(group: &str) -> El {
    el("span").class("tag").class("group").text(group)
}

/// "Waiting" (the list), "Waiting for a reply" (the open conversation; the
/// end is dropped on a phone).
fn waiting_tag(long: bool) -> El {
    el("span")
        .class("tag")
        .class("waiting")
        .text("Waiting")
        .child_if(long.then(|| el("span").class("tag-more").text(" for a reply")))
}

fn item(
    c: &Conversation,
    selected: Option<&Conversation>,
    me: &str,
    typing: &Typing,
    now: UnixMillis,
) -> El {
    let typing = !c.is_closed() && typing.is_typing(&c.id, now);
    let current = selected.is_some_and(|s| s.id == c.id);
    let last = c.last_at();
    let email = c.email();
    let sub = email.is_some() || c.group.is_some() || c.assignee.is_some();
    el("li").child(
        el("button")
            .attr("type", "button")
            .class("conversation")
            .class(if c.unread > 0 { "unread" } else { "" })
            .action("open-conversation")
            .data("id", &c.id)
            .data("unread", &c.unread.to_string())
            .data("waiting", if c.waiting { "true" } else { "false" })
            .data("state", c.state.as_str())
            .attr("aria-current", if current { "true" } else { "false" })
            .child(face(c))
            .child(
                el("span")
                    .class("conv-body")
                    .child(
                        el("span")
                            .class("conv-top")
                            .child(el("span").class("conv-name").user_text(&c.title()))
                            .child_if((last > 0).then(|| {
                                el("time").class("conv-time").text(&clock::when(last, now))
                            })),
                    )
                    .child_if(sub.then(|| {
                        el("span")
                            .class("conv-sub")
                            .child_if(email.map(|e| el("span").class("conv-email").text(e)))
                            .child_if(c.group.as_deref().map(group_tag))
                            .child_if(c.assignee.as_ref().map(|a| assignee_tag(a, me)))
                    }))
                    .child(
                        el("span")
                            .class("conv-bottom")
                            .child_if((c.waiting && !c.is_closed()).then(|| waiting_tag(false)))
                            .child(if typing {
                                el("span")
                                    .class("conv-preview")
                                    .class("conv-typing")
                                    .text("typing…")
                            } else {
                                el("span").class("conv-preview").user_text(&preview(c, me))
                            })
                            .child_if((c.unread > 0).then(|| {
                                el("span")
                                    .class("badge")
                                    .attr("aria-label", &format!("{} unread", c.unread))
                                    .text(&c.unread.to_string())
                            })),
                    ),
            ),
    )
}

/// "14:30" today, else "Mon 14:30", "yesterday 14:30", "24 Nov 14:30".
fn stamp(at: UnixMillis, now: UnixMillis) -> String {
    if at <= 0 {
        String::new()
    } else {
        clock::when(at, now)
    }
}

fn message(m: &Message, store: &Store, title: &str, me: &str, now: UnixMillis) -> El {
    let (who, class, mine) = match &m.author {
        Author::Visitor => (title.to_owned(), "from-visitor", false),
        Author::Agent { id, .. } if id == me => ("You".to_owned(), "from-agent", true),
        Author::Agent { name, .. } => (name.clone(), "from-agent", false),
        Author::System(Some(MessageKind::AutoReply)) => {
            ("Automatic reply".to_owned(), "from-system", false)
        }
        Author::System(_) => ("Presenza".to_owned(), "from-system", false),
    };
    el("li")
        .class("message")
        .class(class)
        .data("seq", &m.seq.to_string())
        .attr(
            if mine { "data-state" } else { "data-from" },
            if mine { "sent" } else { class },
        )
        .child(
            el("span")
                .class("message-meta")
                .child_if(match &m.author {
                    Author::Agent { id, name, picture } => {
                        Some(agent_face(store, id, name, picture.as_deref(), 24))
                    }
                    _ => None,
                })
                .text(&format!("{who} · {}", stamp(m.at, now)))
                .child_if(mine.then(|| el("span").class("msg-state").text(" · Sent"))),
        )
        .child(el("p").class("message-text").user_text(&m.text))
}

fn outgoing(o: &Outgoing, now: UnixMillis) -> El {
    let state = if o.failed.is_some() {
        "failed"
    } else {
        "pending"
    };
    el("li")
        .class("message")
        .class("from-agent")
        .class(state)
        .data("client-id", &o.client_id)
        .data("state", state)
        .child(
            el("span")
                .class("message-meta")
                .text(&format!("You · {}", stamp(o.at, now)))
                .child(el("span").class("msg-state").text(if o.failed.is_some() {
                    " · Not sent"
                } else {
                    " · Sending…"
                })),
        )
        .child(el("p").class("message-text").user_text(&o.text))
        .child_if(o.failed.as_deref().map(|reason| {
            el("div")
                .class("message-failed")
                .child(el("span").class("error").attr("role", "alert").text(reason))
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link")
                        .action("retry-reply")
                        .data("id", &o.client_id)
                        .text("Retry"),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link")
                        .class("danger-link")
                        .action("discard-reply")
                        .data("id", &o.client_id)
                        .text("Discard"),
                )
        }))
}

/// The Close / Reopen button of the open conversation's header (plain: a
/// closed conversation's note has the prominent Reopen).
fn state_button(c: &Conversation, pending: bool) -> El {
    let closed = c.is_closed();
    let (action, label, busy, name) = if closed {
        (
            "reopen-thread",
            "Reopen",
            "Reopening…",
            "Reopen this conversation",
        )
    } else {
        (
            "close-thread",
            "Close",
            "Closing…",
            "Close this conversation",
        )
    };
    el("button")
        .attr("type", "button")
        .attr("id", "thread-state")
        .class("thread-state")
        .action(action)
        .data("id", &c.id)
        .attr("aria-label", name)
        .flag("disabled", pending)
        .attr("aria-busy", if pending { "true" } else { "false" })
        .text(if pending { busy } else { label })
}

/// In place of the reply box of a closed conversation: who closed it,
/// when, and Reopen.
fn closed_note(c: &Conversation, pending: bool, now: UnixMillis) -> El {
    let by = c
        .closed_by
        .as_deref()
        .map(|name| format!(" by {name}"))
        .unwrap_or_default();
    let when = c
        .closed_at
        .filter(|at| *at > 0)
        .map(|at| format!(" · {}", clock::when(at, now)))
        .unwrap_or_default();
    el("div")
        .class("closed-note")
        .attr("role", "status")
        .child(
            el("p")
                .child(el("strong").text(&format!("Closed{by}")))
                .text(&when)
                .child(el("br"))
                .child(
                    el("span")
                        .class("muted")
                        .text("Read-only. Reopen it to reply to the visitor here."),
                ),
        )
        .child(
            el("button")
                .attr("type", "button")
                .attr("id", "reopen-note")
                .class("primary")
                .action("reopen-thread")
                .data("id", &c.id)
                .flag("disabled", pending)
                .text(if pending { "Reopening…" } else { "Reopen" }),
        )
}

fn conversation(c: &Conversation, store: &Store, now: UnixMillis) -> El {
    let (inbox, saved, typing) = (&store.inbox, &store.saved_replies, &store.typing);
    let me = inbox.me.as_str();
    let title = c.title();
    let closed = c.is_closed();
    let pending = inbox.state_pending.as_deref() == Some(c.id.as_str());
    let loading = c.loading.then(|| {
        el("li")
            .class("history")
            .class("muted")
            .text("Loading messages…")
    });
    let sub = c.email().is_some() || c.group.is_some();
    let view = el("div")
        .class("conversation-view")
        .data("id", &c.id)
        .data("state", c.state.as_str())
        .child(
            el("div")
                .class("pane-head")
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("back")
                        .action("close-conversation")
                        .attr("aria-label", "Back to the inbox")
                        .text("‹"),
                )
                .child(face(c))
                .child(
                    el("div")
                        .class("pane-title")
                        .child(el("h2").user_text(&title))
                        .child_if(sub.then(|| {
                            el("span")
                                .class("pane-sub")
                                .child_if(c.email().map(|e| el("span").class("pane-email").text(e)))
                                .child_if(c.group.as_deref().map(group_tag))
                        })),
                )
                .child_if((c.waiting && !closed).then(|| waiting_tag(true)))
                .child_if(
                    closed.then(|| el("span").class("tag").class("tag-closed").text("Closed")),
                )
                .child(state_button(c, pending)),
        )
        .child(assign_control(c, inbox))
        .child_if(store.contexts.get(&c.id).and_then(context::block))
        .child_if(inbox.state_error.as_deref().map(|e| {
            el("p")
                .class("error")
                .class("state-error")
                .attr("role", "alert")
                .text(e)
        }))
        .child(
            el("ol")
                .class("messages")
                .attr("aria-live", "polite")
                .child_if(loading)
                .children(
                    c.messages
                        .iter()
                        .map(|m| message(m, store, &title, me, now)),
                )
                .children(inbox.outgoing(&c.id).map(|o| outgoing(o, now))),
        )
        .child(
            el("p")
                .class("typing")
                .class("muted")
                .attr("aria-live", "polite")
                .text(
                    if !closed && typing.is_typing(&c.id, now) {
                        format!("{title} is typing…")
                    } else {
                        String::new()
                    }
                    .as_str(),
                ),
        );
    if closed {
        return view.child(closed_note(c, pending, now));
    }
    view.child_if(inbox.reply_error.as_deref().map(|e| {
        el("p")
            .class("error")
            .class("reply-error")
            .attr("role", "alert")
            .text(e)
    }))
    .child(
        el("form")
            .class("reply")
            .action("reply")
            .data("id", &c.id)
            .child(
                el("label")
                    .class("visually-hidden")
                    .attr("for", "reply-text")
                    .text("Reply"),
            )
            .child(
                el("textarea")
                    .attr("id", "reply-text")
                    .attr("name", "text")
                    .attr("rows", "2")
                    .maxlength(REPLY_MAXLENGTH)
                    .attr("aria-describedby", "reply-hint")
                    .attr("placeholder", &format!("Reply to {title}…"))
                    .value(&inbox.draft),
            )
            .child(
                el("button")
                    .attr("type", "submit")
                    .class("primary")
                    .text("Send"),
            ),
    )
    .child(
        el("p")
            .attr("id", "reply-hint")
            .class("reply-hint")
            .class("muted")
            .text(if touch_keyboard() {
                "Enter adds a line · tap Send to send"
            } else {
                "Enter sends · Shift+Enter adds a line"
            })
            .text(&saved_hint(saved)),
    )
}

/// " · Saved replies: /hi, /hours" (sent as the reply box's text, a
/// shortcut puts its reply in the box).
fn saved_hint(saved: &[presenza_protocol::view::SavedReply]) -> String {
    if saved.is_empty() {
        return String::new();
    }
    let list: Vec<String> = saved.iter().map(|r| format!("/{}", r.shortcut)).collect();
    format!(" · Saved replies: {}", list.join(", "))
}

/// A touch screen's keyboard has no Shift+Enter: there Enter adds a line
/// and the Send button sends.
pub fn touch_keyboard() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(pointer: coarse)").ok().flatten())
        .is_some_and(|m| m.matches())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_box_takes_every_reply_the_edge_takes() {
        // Characters outside the BMP take two UTF-16 code units each.
        let longest = "😀".repeat(MAX_MESSAGE_CHARS);
        assert!(presenza_rules::validate_text(&longest).is_ok());
        assert_eq!(longest.encode_utf16().count(), REPLY_MAXLENGTH);
        // One more character is refused by the console itself, in words.
        assert!(presenza_rules::validate_text(&"x".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }
}
