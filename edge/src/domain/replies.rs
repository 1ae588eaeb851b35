//! The owner's saved replies (`PUT saved-replies`), validated as a whole:
//! at most [`MAX_SAVED_REPLIES`], shortcuts `[a-z0-9_-]` of 1 to
//! [`MAX_SHORTCUT_LEN`] characters and each once, texts as an agent's
//! message (the rules' `validate_text`), stored trimmed.

use crate::domain::text::invalid;
use crate::error::ApiError;
use presenza_protocol::body::SavedRepliesBody;
use presenza_protocol::limits::{MAX_SAVED_REPLIES, MAX_SHORTCUT_LEN};
use presenza_protocol::view::SavedReply;

pub fn parse(body: SavedRepliesBody) -> Result<Vec<SavedReply>, ApiError> {
    if body.replies.len() > MAX_SAVED_REPLIES {
        return Err(invalid(
            "replies",
            format!("at most {MAX_SAVED_REPLIES} saved replies"),
        ));
    }
    let mut out: Vec<SavedReply> = Vec::with_capacity(body.replies.len());
    for (i, r) in body.replies.into_iter().enumerate() {
        let shortcut = r.shortcut;
        let valid = !shortcut.is_empty()
            && shortcut.len() <= MAX_SHORTCUT_LEN
            && shortcut
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid {
            return Err(invalid(
                &format!("replies[{i}].shortcut"),
                format!("1 to {MAX_SHORTCUT_LEN} characters a-z 0-9 _ -"),
            ));
        }
        if out.iter().any(|o| o.shortcut == shortcut) {
            return Err(invalid(
                &format!("replies[{i}].shortcut"),
                format!("`{shortcut}` is used twice"),
            ));
        }
        let text = presenza_rules::validate_text(&r.text)
            .map_err(|e| invalid(&format!("replies[{i}].text"), e))?
            .to_owned();
        out.push(SavedReply { shortcut, text });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::body::SavedReplyBody;

    fn reply(shortcut: &str, text: &str) -> SavedReplyBody {
        SavedReplyBody {
            shortcut: shortcut.into(),
            text: text.into(),
        }
    }

    fn saved(shortcut: &str, text: &str) -> SavedReply {
        SavedReply {
            shortcut: shortcut.into(),
            text: text.into(),
        }
    }

    #[test]
    fn replies() {
        let ok = parse(SavedRepliesBody {
            replies: vec![reply("hi", " Hello! "), reply("hours", "9 to 5")],
        })
        .unwrap();
        assert_eq!(ok, vec![saved("hi", "Hello!"), saved("hours", "9 to 5")]);
        for bad in [
            vec![reply("Hi", "x")],
            vec![reply("", "x")],
            vec![reply(" hi", "x")],
            vec![reply("a b", "x")],
            vec![reply("hi", "  ")],
            vec![reply("hi", "x"), reply("hi", "y")],
            vec![reply(&"a".repeat(MAX_SHORTCUT_LEN + 1), "x")],
        ] {
            let e = parse(SavedRepliesBody {
                replies: bad.clone(),
            })
            .unwrap_err();
            assert_eq!(e.code(), "invalid_field", "{bad:?}");
        }
    }
}
