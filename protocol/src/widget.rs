//! What the widget shows that the edge and the console must name the same
//! way: the languages it speaks, the keys of its texts (what an owner may
//! override, per language) and its default accent colour. `no_std` and
//! free of serde, so the widget can use it without growing.

/// The languages the widget speaks (primary subtags), in the widget's
/// order: its texts are `widget/i18n/{code}.json` and
/// `widget/i18n/chat/{code}.json`.
pub const LANGUAGES: [&str; 9] = ["en", "it", "cs", "sk", "de", "es", "fr", "pl", "hu"];

/// The key of a site's text overrides that apply to every language (a
/// language's own overrides win over it).
pub const ALL_LANGUAGES: &str = "*";

/// The launcher's texts (`widget/i18n/en.json`), fetched before its first
/// paint.
pub const LAUNCHER_TEXT_KEYS: [&str; 10] = [
    "online",
    "busy",
    "offline",
    "status_online",
    "status_busy",
    "status_offline",
    "back_at",
    "back_day",
    "back_in",
    "close",
];

/// The panel's and the conversation's texts (`widget/i18n/chat/en.json`),
/// fetched with the chat module.
pub const CHAT_TEXT_KEYS: [&str; 37] = [
    "intro_online",
    "intro_busy",
    "intro_offline",
    "log_label",
    "msg_label",
    "msg_placeholder",
    "send",
    "you",
    "agent",
    "auto_reply",
    "busy_reply",
    "new_messages",
    "sending",
    "chars_left",
    "chars_over",
    "unread",
    "new_reply",
    "typing",
    "name",
    "email",
    "message",
    "send_form",
    "sent",
    "closed",
    "err_empty_message",
    "err_message_too_long",
    "err_invalid_character",
    "err_invalid_name",
    "err_invalid_email",
    "err_contact_required",
    "err_rate_limited",
    "err_send",
    "joined",
    "transferred",
    "transcript",
    "transcript_sent",
    "err_transcript",
];

/// Whether `key` is one of the widget's texts (launcher or chat).
pub fn is_text_key(key: &str) -> bool {
    LAUNCHER_TEXT_KEYS.contains(&key) || CHAT_TEXT_KEYS.contains(&key)
}

/// Whether `lang` may hold text overrides: [`ALL_LANGUAGES`] or one of
/// [`LANGUAGES`].
pub fn is_text_language(lang: &str) -> bool {
    lang == ALL_LANGUAGES || LANGUAGES.contains(&lang)
}

/// The accent colour of a site that chose none (the launcher, the panel
/// and the plain link shown where Wasm is forbidden).
pub const DEFAULT_ACCENT: &str = "#2563eb";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_fit_the_limits() {
        let all: alloc::vec::Vec<&str> = LAUNCHER_TEXT_KEYS
            .iter()
            .chain(CHAT_TEXT_KEYS.iter())
            .copied()
            .collect();
        for (i, k) in all.iter().enumerate() {
            assert!(!all[..i].contains(k), "{k} twice");
            assert!(k.len() <= crate::limits::MAX_WIDGET_TEXT_KEY_LEN, "{k}");
            assert!(is_text_key(k));
        }
        assert!(all.len() <= crate::limits::MAX_WIDGET_TEXTS);
        assert!(!is_text_key("write"));
        assert!(is_text_language("*") && is_text_language("hu") && !is_text_language("xx"));
    }
}
