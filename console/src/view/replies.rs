//! The owner's saved replies page: a shortcut and a text per row. Agents
//! get them live; typing `/shortcut` and sending puts the text in the
//! reply box, to read and send.

use presenza_protocol::body::SavedReplyBody;
use presenza_protocol::limits::{MAX_MESSAGE_CHARS, MAX_SAVED_REPLIES, MAX_SHORTCUT_LEN};

use super::dom::{el, field, find_all, El};
use super::owner::{loading, note};
use crate::store::Store;

pub fn page(store: &Store) -> Vec<El> {
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    let Some(replies) = &store.owner.replies else {
        parts.push(loading());
        return parts;
    };
    let rows = replies.iter().enumerate().map(|(i, r)| {
        let n = i + 1;
        el("div")
            .class("saved-reply")
            .data("index", &i.to_string())
            .child(
                el("label").text("Shortcut").child(
                    el("input")
                        .attr("name", "shortcut")
                        .attr("required", "")
                        .attr("spellcheck", "false")
                        .attr("autocomplete", "off")
                        .attr("pattern", "[a-z0-9_\\-]+")
                        .attr("title", "a-z, 0-9, _ and -")
                        .maxlength(MAX_SHORTCUT_LEN)
                        .value(&r.shortcut),
                ),
            )
            .child(
                el("label").text("Reply").child(
                    el("textarea")
                        .attr("name", "text")
                        .attr("rows", "2")
                        .attr("required", "")
                        .maxlength(MAX_MESSAGE_CHARS)
                        .value(&r.text),
                ),
            )
            .child(
                el("button")
                    .attr("type", "button")
                    .class("link")
                    .class("danger-link")
                    .action("replies-remove")
                    .data("index", &i.to_string())
                    .attr("aria-label", &format!("Remove saved reply {n}"))
                    .text("Remove"),
            )
    });
    let full = replies.len() >= MAX_SAVED_REPLIES;
    parts.push(
        el("form")
            .attr("id", "replies-form")
            .class("card")
            .action("replies")
            .child(el("p").class("muted").class("small").text(
                "Agents send “/shortcut” in a conversation to put the reply in their box, \
                 ready to read and send.",
            ))
            .children(rows)
            .child_if((!full).then(|| {
                el("button")
                    .attr("type", "button")
                    .class("link")
                    .action("replies-add")
                    .text("+ Add a saved reply")
            }))
            .child(
                el("div")
                    .class("actions")
                    .child(
                        el("button")
                            .attr("type", "submit")
                            .class("primary")
                            .text("Save replies"),
                    )
                    .child_if(note(store, "replies")),
            ),
    );
    parts
}

/// The replies as typed.
pub fn read(form: &web_sys::Element) -> Vec<SavedReplyBody> {
    find_all(form, ".saved-reply")
        .iter()
        .map(|row| SavedReplyBody {
            shortcut: field(row, "shortcut").trim().to_owned(),
            text: field(row, "text"),
        })
        .collect()
}
