//! A message as a sender gives it: its client id and text, a visitor's
//! contact details, and the key that makes each sender's retries
//! idempotent. Every rule comes from `presenza-rules`.

use crate::error::ApiError;
use presenza_protocol::limits::MAX_SEQ;
use presenza_protocol::AgentId;
use presenza_rules::conversation::MAX_CLIENT_ID_LEN;

/// Validates a message's client id and text; the text comes back trimmed.
pub fn check_message(client_id: &str, text: &str) -> Result<String, ApiError> {
    presenza_rules::validate_client_id(client_id).map_err(|e| ApiError::from_rule(&e))?;
    Ok(presenza_rules::validate_text(text)
        .map_err(|e| ApiError::from_rule(&e))?
        .to_string())
}

/// Contact details to store with a visitor message: `(name, email)`, `None`
/// = keep what is stored. When `required` (the audience is offline:
/// `needs_contact`), the given values, else the stored ones, must make a
/// valid contact (`validate_contact`); otherwise only what was given is
/// checked (blank counts as not given).
pub fn contact_for(
    required: bool,
    given_name: Option<&str>,
    given_email: Option<&str>,
    stored_name: Option<&str>,
    stored_email: Option<&str>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    fn given(v: Option<&str>) -> Option<&str> {
        v.filter(|s| !s.trim().is_empty())
    }
    let rule = |e| ApiError::from_rule(&e);
    let (name, email) = (given(given_name), given(given_email));
    if required {
        let contact =
            presenza_rules::validate_contact(name.or(stored_name), email.or(stored_email))
                .map_err(rule)?;
        return Ok((Some(contact.name), Some(contact.email)));
    }
    let name = name
        .map(presenza_rules::validate_name)
        .transpose()
        .map_err(rule)?;
    let email = email
        .map(presenza_rules::validate_email)
        .transpose()
        .map_err(rule)?;
    Ok((name.map(str::to_string), email.map(str::to_string)))
}

/// The `client_id` of a frame that could not be parsed, if it has one, so
/// the error frame still names the message it refuses.
pub fn frame_client_id(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let id = value.get("client_id")?.as_str()?;
    Some(id.chars().take(MAX_CLIENT_ID_LEN).collect())
}

/// A non-negative sequence number from a SQLite integer.
pub fn seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A sequence number for a SQLite binding (at most `MAX_SEQ`).
pub fn seq_i64(value: u64) -> i64 {
    i64::try_from(value.min(MAX_SEQ)).unwrap_or(i64::MAX)
}

/// The client id shown for the automatic busy reply.
pub const BUSY_REPLY_CLIENT_ID: &str = "system_busy_reply";
/// The client id of the system message closing a conversation.
pub const CLOSED_CLIENT_ID: &str = "system_closed";
/// The client id of the system message of an assignment ("Giulia joined").
pub const ASSIGNED_CLIENT_ID: &str = "system_assigned";
/// The client id of the system message of a transfer to a group.
pub const TRANSFERRED_CLIENT_ID: &str = "system_transferred";

/// Whose message a stored client key names: client ids are unique per
/// conversation *and sender* (the visitor's `c_1` and an agent's `c_1` are
/// different messages), and the edge's own messages have keys no client id
/// can take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientKey<'a> {
    Visitor(&'a str),
    Agent(&'a AgentId, &'a str),
    /// The busy auto-reply: at most one per conversation.
    BusyReply,
    /// The note of a close that got this seq (a conversation may be closed,
    /// reopened and closed again).
    Closed(u64),
    /// The note of an assignment that got this seq.
    Assigned(u64),
    /// The note of a transfer that got this seq.
    Transferred(u64),
}

impl ClientKey<'_> {
    /// The stored `client_key`: `v:<id>`, `a:<agent>:<id>`, `s:busy`,
    /// `s:closed:<seq>`, `s:assigned:<seq>`, `s:transferred:<seq>`.
    pub fn stored(&self) -> String {
        match self {
            ClientKey::Visitor(id) => format!("v:{id}"),
            ClientKey::Agent(agent, id) => format!("a:{agent}:{id}"),
            ClientKey::BusyReply => "s:busy".to_string(),
            ClientKey::Closed(seq) => format!("s:closed:{seq}"),
            ClientKey::Assigned(seq) => format!("s:assigned:{seq}"),
            ClientKey::Transferred(seq) => format!("s:transferred:{seq}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_keys_are_per_sender() {
        let giulia = AgentId::parse("giulia").unwrap();
        let marco = AgentId::parse("marco").unwrap();
        assert_ne!(
            ClientKey::Visitor("c_1").stored(),
            ClientKey::Agent(&giulia, "c_1").stored()
        );
        assert_ne!(
            ClientKey::Agent(&giulia, "c_1").stored(),
            ClientKey::Agent(&marco, "c_1").stored()
        );
        // No client id can collide with the edge's own keys.
        assert!(presenza_rules::validate_client_id(&ClientKey::BusyReply.stored()).is_err());
        assert_eq!(ClientKey::Closed(4).stored(), "s:closed:4");
    }

    #[test]
    fn messages_and_contact() {
        assert_eq!(check_message("c_1", "  hi \n").unwrap(), "hi");
        assert_eq!(
            check_message("c 1", "hi").unwrap_err().code(),
            "invalid_client_id"
        );
        assert_eq!(
            check_message("c_1", "   ").unwrap_err().code(),
            "empty_message"
        );
        assert_eq!(
            check_message("c_1", &"x".repeat(2001)).unwrap_err().code(),
            "message_too_long"
        );
        let html = "<script>alert(1)</script>";
        assert_eq!(check_message("c_1", html).unwrap(), html);

        let e = contact_for(true, None, None, None, None).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "contact_required"));
        assert_eq!(
            contact_for(true, Some("Ann"), Some("nope"), None, None)
                .unwrap_err()
                .code(),
            "invalid_email"
        );
        assert_eq!(
            contact_for(true, Some(" Ann "), Some("ann@example.com"), None, None).unwrap(),
            (Some("Ann".into()), Some("ann@example.com".into()))
        );
        // Stored contact details count when none are given.
        assert_eq!(
            contact_for(true, None, None, Some("Ann"), Some("ann@example.com")).unwrap(),
            (Some("Ann".into()), Some("ann@example.com".into()))
        );
        // Optional: blank is "not given", invalid given values are refused.
        assert_eq!(
            contact_for(false, Some(" "), None, None, None).unwrap(),
            (None, None)
        );
        assert_eq!(
            contact_for(false, None, Some("x@"), None, None)
                .unwrap_err()
                .code(),
            "invalid_email"
        );
    }

    #[test]
    fn sequence_numbers() {
        assert_eq!(seq(-1), 0);
        assert_eq!(seq(7), 7);
        assert_eq!(seq_i64(u64::MAX), MAX_SEQ as i64);
    }

    #[test]
    fn frame_client_ids() {
        assert_eq!(
            frame_client_id(r#"{"type":"send","client_id":"c_9","text":5}"#).as_deref(),
            Some("c_9")
        );
        assert_eq!(frame_client_id("{nope"), None);
    }
}
