//! Credentials: random 256-bit tokens, stored only as SHA-256 hashes and
//! compared in constant time.
//!
//! Token formats (the prefix only helps humans and logs; the role is decided
//! by which stored hash matches):
//! - admin: whatever `ADMIN_TOKEN` is set to (platform secret);
//! - owner key: `pzo_` + 64 hex digits;
//! - agent token: `pza_` + 64 hex digits;
//! - device credential: `pzd_` + 64 hex digits (one signed-in device of an
//!   agent, made with the agent token, revocable alone).
//!
//! Hashes are looked up inside one site's object only, so a token of one site
//! never matches anything on another.

use presenza_protocol::http::{WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX};
use presenza_protocol::id::hex;
use sha2::{Digest, Sha256};

pub const OWNER_PREFIX: &str = "pzo_";
pub const AGENT_PREFIX: &str = "pza_";
pub const DEVICE_PREFIX: &str = "pzd_";

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Equality whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

/// Compares a presented secret with an expected one by hashing both first:
/// equal-length inputs for the constant-time compare, whatever was sent.
pub fn secret_matches(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    constant_time_eq(&a, &b)
}

/// Builds a token from 32 random bytes.
pub fn make_token(prefix: &str, random: &[u8; 32]) -> String {
    format!("{prefix}{}", hex(random))
}

/// Extracts a bearer token from an `Authorization` header value (a token
/// too long to be ours is still a token: the caller refuses it as invalid).
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Finds a token in a `Sec-WebSocket-Protocol` header value.
pub fn token_from_protocols(header: Option<&str>) -> Option<&str> {
    header?
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix(WS_TOKEN_PROTOCOL_PREFIX))
        .filter(|t| !t.is_empty())
}

/// The subprotocol to answer with, when the client offered some.
pub fn chosen_protocol(header: Option<&str>) -> Option<&str> {
    let offered: Vec<&str> = header?.split(',').map(str::trim).collect();
    if offered.contains(&WS_PROTOCOL) {
        return Some(WS_PROTOCOL);
    }
    offered
        .into_iter()
        .find(|p| !p.is_empty() && !p.starts_with(WS_TOKEN_PROTOCOL_PREFIX))
}

/// A strong ETag for a body: quoted, 128 bits of its SHA-256.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex(&digest[..16]))
}

/// Whether an `If-None-Match` header matches `etag` (`*`, lists and weak tags).
pub fn etag_matches(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(header) = if_none_match else {
        return false;
    };
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(token_hash("x").len(), 64);
    }

    #[test]
    fn comparisons() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(secret_matches("devtoken", "devtoken"));
        assert!(!secret_matches("devtoken", "devtoke"));
        assert!(!secret_matches("", "devtoken"));
    }

    #[test]
    fn tokens() {
        let t = make_token(AGENT_PREFIX, &[7u8; 32]);
        assert_eq!(t.len(), 4 + 64);
        assert!(t.starts_with("pza_0707"));
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer   abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
        let long = format!("Bearer {}", "a".repeat(300));
        assert_eq!(bearer(Some(&long)), Some("a".repeat(300).as_str()));
    }

    #[test]
    fn ws_protocols() {
        let h = Some("presenza, presenza.token.pza_abc");
        assert_eq!(token_from_protocols(h), Some("pza_abc"));
        assert_eq!(chosen_protocol(h), Some("presenza"));
        assert_eq!(chosen_protocol(Some("presenza.token.x")), None);
        assert_eq!(chosen_protocol(None), None);
        assert_eq!(token_from_protocols(Some("presenza")), None);
    }

    #[test]
    fn etags() {
        let e = etag(b"{}");
        assert!(e.starts_with('"') && e.ends_with('"') && e.len() == 34);
        assert!(etag_matches(Some(&e), &e));
        assert!(etag_matches(Some(&format!("W/{e}, \"x\"")), &e));
        assert!(etag_matches(Some("*"), &e));
        assert!(!etag_matches(Some("\"x\""), &e));
        assert!(!etag_matches(None, &e));
    }
}
