//! Reply addresses: the `Reply-To` of every e-mail about a conversation,
//! so that answering the e-mail answers in the chat. Stateless: the address
//! itself says which site, which conversation and which side it was sent
//! to, and carries an HMAC-SHA256 (the site's own mail secret, the one of
//! unsubscribe links) over those and the recipient's address, so nobody
//! makes one for a conversation or a recipient it was not sent to.
//!
//! `reply+<code>@<domain>`, where the code is 58 base32 characters (RFC
//! 4648, lowercase, no padding) of 36 bytes: the site id's 16 bytes, the
//! first 8 bytes of the conversation id (the site finds the conversation by
//! that prefix, the MAC tells which one), the side (`a` agents, `v` the
//! visitor) and 11 bytes (88 bits) of the MAC. The local part is thus 64
//! characters, the most RFC 5321 allows, and all lowercase, so that no
//! mail system's case folding breaks it.

use crate::mail::unsubscribe::hmac;
use presenza_protocol::{ConversationId, SiteId};

/// The var naming the domain of reply addresses (its mail routed to the
/// Worker); unset: e-mails have no `Reply-To`, replies by e-mail are off.
pub const DOMAIN_VAR: &str = "EMAIL_REPLY_DOMAIN";

/// What every reply address starts with (Email Routing's rule for
/// `reply@<domain>` also gets `reply+…@<domain>`: sub-addressing).
pub const LOCAL_PREFIX: &str = "reply+";
const SITE_BYTES: usize = 16;
const CONVERSATION_BYTES: usize = 8;
const MAC_BYTES: usize = 11;
const CODE_BYTES: usize = SITE_BYTES + CONVERSATION_BYTES + 1 + MAC_BYTES;

/// Which side of the conversation an e-mail went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// An agent who serves it, or the site's notification address: the
    /// reply is that agent's message.
    Agents,
    /// The visitor: the reply is their message.
    Visitor,
}

impl Side {
    fn byte(self) -> u8 {
        match self {
            Side::Agents => b'a',
            Side::Visitor => b'v',
        }
    }
}

/// A reply address read back (not yet verified: that needs the site's
/// secret and the conversation, see [`ReplyAddress::made_for`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyAddress {
    pub site: SiteId,
    /// `c_` and the first 16 hex digits of the conversation id.
    pub conversation_prefix: String,
    pub side: Side,
    mac: [u8; MAC_BYTES],
}

/// The reply address of an e-mail about `conversation` to `recipient` on
/// `side`; `None` for ids the edge did not make (no such prefix).
pub fn make(
    key: &str,
    site: &SiteId,
    conversation: &ConversationId,
    side: Side,
    recipient: &str,
    domain: &str,
) -> Option<String> {
    let mut bytes = Vec::with_capacity(CODE_BYTES);
    bytes.extend(hex_id(site.as_str(), "s_")?);
    bytes.extend(hex_id(conversation.as_str(), "c_")?.get(..CONVERSATION_BYTES)?);
    bytes.push(side.byte());
    bytes.extend_from_slice(&mac(key, site, conversation, side, recipient));
    Some(format!("{LOCAL_PREFIX}{}@{domain}", base32(&bytes)))
}

impl ReplyAddress {
    /// Reads `address` (any case) if it is a reply address at `domain`.
    pub fn parse(address: &str, domain: &str) -> Option<ReplyAddress> {
        let (local, at) = address.trim().rsplit_once('@')?;
        if domain.is_empty() || !at.eq_ignore_ascii_case(domain) {
            return None;
        }
        let code = local
            .get(..LOCAL_PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(LOCAL_PREFIX))
            .and(local.get(LOCAL_PREFIX.len()..))?;
        let bytes = unbase32(code)?;
        if bytes.len() != CODE_BYTES {
            return None;
        }
        let (site, rest) = bytes.split_at(SITE_BYTES);
        let (conversation, rest) = rest.split_at(CONVERSATION_BYTES);
        let side = match rest[0] {
            b'a' => Side::Agents,
            b'v' => Side::Visitor,
            _ => return None,
        };
        let mut mac = [0u8; MAC_BYTES];
        mac.copy_from_slice(&rest[1..]);
        Some(ReplyAddress {
            site: SiteId::parse(&format!("s_{}", presenza_protocol::id::hex(site)))?,
            conversation_prefix: format!("c_{}", presenza_protocol::id::hex(conversation)),
            side,
            mac,
        })
    }

    /// Whether this address was made by the site holding `key` for
    /// `conversation` and sent to `recipient`.
    pub fn made_for(&self, key: &str, conversation: &ConversationId, recipient: &str) -> bool {
        if !conversation.as_str().starts_with(&self.conversation_prefix) {
            return false;
        }
        let expected = mac(key, &self.site, conversation, self.side, recipient);
        crate::auth::constant_time_eq(&expected, &self.mac)
    }
}

fn mac(
    key: &str,
    site: &SiteId,
    conversation: &ConversationId,
    side: Side,
    recipient: &str,
) -> [u8; MAC_BYTES] {
    // A prefix no unsubscribe MAC (over an address) can have.
    let message = format!(
        "reply\n{site}\n{conversation}\n{}\n{}",
        side.byte() as char,
        recipient.trim().to_lowercase()
    );
    let full = hmac(key.as_bytes(), message.as_bytes());
    let mut out = [0u8; MAC_BYTES];
    out.copy_from_slice(&full[..MAC_BYTES]);
    out
}

/// The bytes of an edge-made id: `prefix` and 32 lowercase hex digits.
fn hex_id(id: &str, prefix: &str) -> Option<Vec<u8>> {
    let digits = id.strip_prefix(prefix)?;
    if digits.len() != 32 {
        return None;
    }
    (0..32)
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect()
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn unbase32(code: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(code.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0);
    for c in code.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_lowercase())? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    // Leftover bits are padding: they must be zero.
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (SiteId, ConversationId) {
        (
            SiteId::from_random(&[0xab; 16]),
            ConversationId::from_random(&[7; 16]),
        )
    }

    #[test]
    fn base32_round_trips() {
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(unbase32(&base32(&bytes)).unwrap(), bytes);
        }
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(unbase32("MZXW6YTBOI").unwrap(), b"foobar");
        assert_eq!(unbase32("mzxw6ytb0i"), None, "0 is not in the alphabet");
    }

    #[test]
    fn an_address_names_site_conversation_and_side() {
        let (site, conv) = ids();
        let a = make(
            "k",
            &site,
            &conv,
            Side::Agents,
            "Ann@Shop.example",
            "reply.test",
        )
        .unwrap();
        let (local, domain) = a.split_once('@').unwrap();
        assert_eq!(domain, "reply.test");
        assert_eq!(local.len(), 64, "RFC 5321's limit: {local}");
        assert!(local.bytes().all(|b| !b.is_ascii_uppercase()));
        let parsed = ReplyAddress::parse(&a.to_uppercase(), "Reply.Test").unwrap();
        assert_eq!(parsed.site, site);
        assert_eq!(parsed.side, Side::Agents);
        assert!(conv.as_str().starts_with(&parsed.conversation_prefix));
        assert!(parsed.made_for("k", &conv, "ann@shop.example"));
    }

    #[test]
    fn it_cannot_be_forged_or_reused() {
        let (site, conv) = ids();
        let v = make(
            "k",
            &site,
            &conv,
            Side::Visitor,
            "eva@example.com",
            "r.test",
        )
        .unwrap();
        let parsed = ReplyAddress::parse(&v, "r.test").unwrap();
        assert!(parsed.made_for("k", &conv, "eva@example.com"));
        assert!(
            !parsed.made_for("other", &conv, "eva@example.com"),
            "another site's key"
        );
        assert!(
            !parsed.made_for("k", &conv, "mallory@example.com"),
            "another recipient"
        );
        let other = ConversationId::from_random(&[8; 16]);
        assert!(!parsed.made_for("k", &other, "eva@example.com"));
        // Same prefix, another conversation: the MAC tells them apart.
        let twin =
            ConversationId::parse(&format!("{}ffffffffffffffff", parsed.conversation_prefix))
                .unwrap();
        assert!(!parsed.made_for("k", &twin, "eva@example.com"));
        // A flipped character anywhere: unreadable or not verified.
        let local = v.split_once('@').unwrap().0;
        for i in LOCAL_PREFIX.len()..local.len() {
            let mut bytes = v.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let forged = String::from_utf8(bytes).unwrap();
            let verified = ReplyAddress::parse(&forged, "r.test")
                .is_some_and(|p| p.site == site && p.made_for("k", &conv, "eva@example.com"));
            assert!(!verified, "{forged}");
        }
        // The side is part of what is signed.
        let mut agents = parsed.clone();
        agents.side = Side::Agents;
        assert!(!agents.made_for("k", &conv, "eva@example.com"));
    }

    #[test]
    fn other_addresses_are_not_reply_addresses() {
        let (site, conv) = ids();
        let v = make("k", &site, &conv, Side::Visitor, "e@x.example", "r.test").unwrap();
        assert_eq!(ReplyAddress::parse(&v, "other.test"), None);
        assert_eq!(ReplyAddress::parse(&v, ""), None);
        assert_eq!(ReplyAddress::parse("reply@r.test", "r.test"), None);
        assert_eq!(ReplyAddress::parse("ann@r.test", "r.test"), None);
        assert_eq!(ReplyAddress::parse("reply+abc@r.test", "r.test"), None);
        assert_eq!(ReplyAddress::parse("no-at-sign", "r.test"), None);
        assert_eq!(
            ReplyAddress::parse(&v.replacen("reply+", "reply+a", 1), "r.test"),
            None
        );
        // Ids the edge did not make get no address.
        let odd = ConversationId::parse("legacy_1").unwrap();
        assert_eq!(
            make("k", &site, &odd, Side::Visitor, "e@x.example", "r.test"),
            None
        );
    }
}
