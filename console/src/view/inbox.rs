//! The inbox: conversations on the left (waiting ones, offline messages among them, first,
//! unread counts), the open conversation and its reply box on the right. On
//! a phone only one of the two shows (`data-view` on the region).

use super::dom::{by_id, document, el, field, find, focus, replace, El};
use super::notification_permission;
use crate::clock;
use crate::store::inbox::{Author, Conversation};
use crate::store::Store;

pub fn render(region: &web_sys::Element, store: &Store) {
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
    if notification_permission().as_deref() == Some("default") {
        head = head.child(
            el("button")
                .attr("type", "button")
                .class("link")
                .action("enable-notifications")
                .text("Notify me of new messages"),
        );
    }

    let list = if inbox.is_empty() {
        el("div")
            .class("empty")
            .child(el("div").class("empty-icon").attr("aria-hidden", "true"))
            .child(el("p").class("empty-title").text("No conversations yet"))
            .child(
                el("p")
                    .class("muted")
                    .text("Visitors' messages appear here as they arrive, offline messages first."),
            )
    } else {
        el("ul")
            .class("conversations")
            .attr("role", "list")
            .children(inbox.ordered().into_iter().map(|c| item(c, selected)))
    };

    let pane = match selected {
        Some(c) => conversation(c, &inbox.draft, inbox.reply_error.as_deref()),
        None => el("div")
            .class("pane-empty")
            .child(el("p").class("muted").text(if inbox.is_empty() {
                "When a visitor writes, the conversation opens here."
            } else {
                "Choose a conversation."
            })),
    };

    // A redraw (a new message) must not eat a reply being typed.
    let typing = find(region, "form.reply")
        .filter(|f| f.get_attribute("data-id").as_deref() == selected.map(|c| c.id.as_str()));
    let typed = typing.as_ref().map(|f| field(f, "text"));
    let had_focus = typing.is_some()
        && document()
            .active_element()
            .is_some_and(|a| a.id() == "reply-text");

    replace(
        region,
        el("div")
            .class("inbox-grid")
            .child(el("div").class("inbox-list").child(head).child(list))
            .child(el("div").class("inbox-pane").child(pane)),
    );

    if let (Some(text), Some(area)) = (typed, by_id("reply-text")) {
        let _ = js_sys::Reflect::set(&area, &"value".into(), &text.into());
        if had_focus {
            focus(&area);
        }
    }
}

fn item(c: &Conversation, selected: Option<&Conversation>) -> El {
    let current = selected.is_some_and(|s| s.id == c.id);
    let last = c.last_at();
    el("li").child(
        el("button")
            .attr("type", "button")
            .class("conversation")
            .action("open-conversation")
            .data("id", &c.id)
            .attr("aria-current", if current { "true" } else { "false" })
            .child(
                el("span")
                    .class("conv-top")
                    .child(el("span").class("conv-name").text(&c.title()))
                    .child_if((last > 0).then(|| {
                        el("time")
                            .class("muted")
                            .text(&clock::when(last, clock::now()))
                    })),
            )
            .child(
                el("span")
                    .class("conv-bottom")
                    .child_if(c.waiting.then(|| el("span").class("tag").text("Waiting")))
                    .child(el("span").class("conv-preview").text(c.preview()))
                    .child_if((c.unread > 0).then(|| {
                        el("span")
                            .class("badge")
                            .attr("aria-label", &format!("{} unread", c.unread))
                            .text(&c.unread.to_string())
                    })),
            ),
    )
}

fn conversation(c: &Conversation, draft: &str, reply_error: Option<&str>) -> El {
    let title = c.title();
    let messages = c.messages.iter().map(|m| {
        let (who, class) = match &m.author {
            Author::Visitor => (title.as_str(), "from-visitor"),
            Author::Agent { name, .. } => (name.as_str(), "from-agent"),
            Author::System => ("Automatic reply", "from-system"),
        };
        el("li")
            .class("message")
            .class(class)
            .child(
                el("span")
                    .class("message-meta")
                    .text(&format!("{who} · {}", clock::hhmm(m.at))),
            )
            .child(el("p").text(&m.text))
    });
    el("div")
        .class("conversation-view")
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
                .child(el("h2").text(&title))
                .child_if(
                    c.visitor
                        .email
                        .as_deref()
                        .map(|e| el("span").class("muted").class("small").text(e)),
                )
                .child_if(c.group.as_deref().map(|g| el("span").class("tag").text(g))),
        )
        .child(el("ol").class("messages").children(messages))
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
                        .attr("placeholder", "Write a reply…")
                        .value(draft),
                )
                .child(
                    el("button")
                        .attr("type", "submit")
                        .class("primary")
                        .text("Send"),
                ),
        )
        .child_if(reply_error.map(|e| {
            el("p")
                .class("error")
                .class("reply-error")
                .attr("role", "alert")
                .text(e)
        }))
}
