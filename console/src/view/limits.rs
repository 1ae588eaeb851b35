//! The owner's limits and retention (issue 11), a card of the settings
//! form: what one address and the whole site may open, and how long closed
//! conversations and the status history are kept. Each field is checked
//! here in the owner's words before the edge is asked, and an edge refusal
//! of one is shown next to it the same way.

use std::ops::RangeInclusive;

use presenza_protocol::body::{LimitsPatch, SettingsBody};
use presenza_protocol::limits::{
    CONVERSATION_WINDOW_SECS, HISTORY_DAYS, MAX_VISITOR_LIMIT, RETENTION_DAYS,
};
use presenza_protocol::view::SettingsView;

use super::dom::{el, El};
use super::owner::note;
use crate::msg::ApiError;
use crate::store::Store;

/// One field: its form name, the settings field the edge names in its
/// errors, its label, what it means, its bounds and its value.
struct Field {
    name: &'static str,
    wire: &'static str,
    label: &'static str,
    unit: &'static str,
    hint: &'static str,
    range: RangeInclusive<u32>,
    value: fn(&SettingsView) -> u32,
    sent: fn(&SettingsBody) -> Option<u32>,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "sockets_per_address",
        wire: "limits.sockets_per_address",
        label: "Open chat boxes from one address",
        unit: "chat boxes",
        hint: "Browsers behind one office network share an address: allow for all of them.",
        range: 1..=MAX_VISITOR_LIMIT,
        value: |s| s.limits.sockets_per_address,
        sent: |b| b.limits.as_ref().and_then(|l| l.sockets_per_address),
    },
    Field {
        name: "conversations_per_address",
        wire: "limits.conversations_per_address",
        label: "New conversations from one address, per 10 minutes",
        unit: "conversations",
        hint: "More are refused (the visitor is asked to wait).",
        range: 1..=MAX_VISITOR_LIMIT,
        value: |s| s.limits.conversations_per_address,
        sent: |b| b.limits.as_ref().and_then(|l| l.conversations_per_address),
    },
    Field {
        name: "conversations_per_minute",
        wire: "limits.conversations_per_minute",
        label: "New conversations on the whole site, per minute",
        unit: "conversations",
        hint: "A ceiling against floods from many addresses.",
        range: 1..=MAX_VISITOR_LIMIT,
        value: |s| s.limits.conversations_per_minute,
        sent: |b| b.limits.as_ref().and_then(|l| l.conversations_per_minute),
    },
    Field {
        name: "retention_days",
        wire: "retention_days",
        label: "Keep closed conversations for (days)",
        unit: "days",
        hint: "Then they are deleted with their messages. Open ones are never deleted.",
        range: RETENTION_DAYS,
        value: |s| s.retention_days,
        sent: |b| b.retention_days,
    },
    Field {
        name: "history_days",
        wire: "history_days",
        label: "Keep the status history for (days)",
        unit: "days",
        hint: "What the Availability page can show.",
        range: HISTORY_DAYS,
        value: |s| s.history_days,
        sent: |b| b.history_days,
    },
];

// The per-address window the label speaks of.
const _: () = assert!(CONVERSATION_WINDOW_SECS == 600);

/// The note key of a field's error.
fn key(name: &str) -> String {
    format!("limits:{name}")
}

pub fn card(store: &Store, s: &SettingsView) -> El {
    el("section")
        .class("card")
        .child(el("h2").text("Limits and retention"))
        .child(
            el("div")
                .class("form-grid")
                .children(FIELDS.iter().map(|f| {
                    let id = format!("limit-{}", f.name);
                    let hint_id = format!("{id}-hint");
                    let error =
                        note(store, &key(f.name)).map(|n| n.attr("id", &format!("{id}-error")));
                    let described = if error.is_some() {
                        format!("{hint_id} {id}-error")
                    } else {
                        hint_id.clone()
                    };
                    el("div")
                        .class("field")
                        .child(el("label").attr("for", &id).text(f.label))
                        .child(
                            el("input")
                                .attr("id", &id)
                                .attr("name", f.name)
                                .attr("type", "number")
                                .attr("inputmode", "numeric")
                                // No min/max: the browser would refuse in
                                // its own words before these are checked.
                                .attr("aria-describedby", &described)
                                .flag("aria-invalid", error.is_some())
                                .value(&(f.value)(s).to_string()),
                        )
                        .child(
                            el("p")
                                .attr("id", &hint_id)
                                .class("muted")
                                .class("small")
                                .text(&format!(
                                    "{} {} to {} {}.",
                                    f.hint,
                                    f.range.start(),
                                    f.range.end(),
                                    f.unit
                                )),
                        )
                        .child_if(error)
                })),
        )
}

/// The fields as typed (anything not a whole number reads as 0, which no
/// field allows: [`problem`] says so).
pub fn read(field: &dyn Fn(&str) -> String) -> (LimitsPatch, u32, u32) {
    let num = |name: &str| field(name).trim().parse::<u32>().unwrap_or(0);
    (
        LimitsPatch {
            sockets_per_address: Some(num("sockets_per_address")),
            conversations_per_address: Some(num("conversations_per_address")),
            conversations_per_minute: Some(num("conversations_per_minute")),
        },
        num("retention_days"),
        num("history_days"),
    )
}

/// The first field of `body` out of its bounds: its note key and what to
/// do, in the owner's words.
pub fn problem(body: &SettingsBody) -> Option<(String, String)> {
    FIELDS.iter().find_map(|f| {
        let v = (f.sent)(body)?;
        (!f.range.contains(&v)).then(|| (key(f.name), words(f)))
    })
}

/// An edge refusal of one of these fields, in the same words.
pub fn from_edge(e: &ApiError) -> Option<(String, String)> {
    FIELDS
        .iter()
        .find(|f| e.message.contains(&format!("`{}`", f.wire)))
        .map(|f| (key(f.name), words(f)))
}

fn words(f: &Field) -> String {
    format!(
        "{}: give a whole number from {} to {} {}.",
        f.label,
        f.range.start(),
        f.range.end(),
        f.unit
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> String {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, v)| v)
                .to_owned()
        }
    }

    fn body(pairs: &'static [(&'static str, &'static str)]) -> SettingsBody {
        let (limits, retention, history) = read(&typed(pairs));
        SettingsBody {
            limits: Some(limits),
            retention_days: Some(retention),
            history_days: Some(history),
            ..SettingsBody::default()
        }
    }

    const GOOD: &[(&str, &str)] = &[
        ("sockets_per_address", "100"),
        ("conversations_per_address", "20"),
        ("conversations_per_minute", "120"),
        ("retention_days", "365"),
        ("history_days", "90"),
    ];

    #[test]
    fn fields_in_bounds_pass() {
        let b = body(GOOD);
        assert_eq!(problem(&b), None);
        assert_eq!(b.limits.unwrap().conversations_per_minute, Some(120));
        assert_eq!((b.retention_days, b.history_days), (Some(365), Some(90)));
    }

    #[test]
    fn problems_name_the_field_in_the_owners_words() {
        let b = body(&[
            ("sockets_per_address", "100"),
            ("conversations_per_address", "20"),
            ("conversations_per_minute", "120"),
            ("retention_days", "365"),
            ("history_days", "400"),
        ]);
        assert_eq!(
            problem(&b),
            Some((
                "limits:history_days".to_owned(),
                "Keep the status history for (days): give a whole number from 1 to 365 days."
                    .to_owned()
            ))
        );
        let b = body(&[("sockets_per_address", "many")]);
        assert_eq!(problem(&b).unwrap().0, "limits:sockets_per_address");
        let e = ApiError {
            status: 400,
            code: "invalid_field".into(),
            message: "`limits.conversations_per_minute`: must be 1..=100000".into(),
            at: None,
        };
        assert_eq!(
            from_edge(&e).unwrap().1,
            "New conversations on the whole site, per minute: give a whole number from 1 to \
             100000 conversations."
        );
    }
}
