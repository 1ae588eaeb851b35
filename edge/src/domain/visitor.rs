//! A visitor's proof of identity: `<visitor_id>.<visitor_secret>`, in the
//! `X-Presenza-Visitor` header or the socket's `auth` frame. The edge keeps
//! only the SHA-256 of the secret.

use crate::auth;
use crate::error::ApiError;
use presenza_protocol::id::is_base64url;
use presenza_protocol::limits::VISITOR_SECRET_LEN;
use presenza_protocol::VisitorId;

/// The id and the SHA-256 (hex) of the secret, which is all the edge ever
/// stores or keeps on a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorCredential {
    pub id: VisitorId,
    pub secret_hash: String,
}

impl VisitorCredential {
    /// Parses `<visitor_id>.<visitor_secret>`; missing or malformed → 400
    /// `invalid_visitor`.
    pub fn parse(value: Option<&str>) -> Result<VisitorCredential, ApiError> {
        let value = value.map(str::trim).ok_or_else(ApiError::invalid_visitor)?;
        let (id, secret) = value
            .split_once('.')
            .ok_or_else(ApiError::invalid_visitor)?;
        let id = VisitorId::parse(id).ok_or_else(ApiError::invalid_visitor)?;
        if !VISITOR_SECRET_LEN.contains(&secret.len()) || !is_base64url(secret) {
            return Err(ApiError::invalid_visitor());
        }
        Ok(VisitorCredential {
            id,
            secret_hash: auth::sha256_hex(secret.as_bytes()),
        })
    }

    /// Whether it matches the stored hash (constant time).
    pub fn matches(&self, stored_hash: &str) -> bool {
        auth::constant_time_eq(self.secret_hash.as_bytes(), stored_hash.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AAAAAAAAAAAAAAAAAAAAAA";
    const SECRET: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

    #[test]
    fn credentials() {
        let c = VisitorCredential::parse(Some(&format!("{ID}.{SECRET}"))).unwrap();
        assert_eq!(c.id, ID);
        assert_eq!(c.secret_hash, auth::sha256_hex(SECRET.as_bytes()));
        assert!(c.matches(&auth::sha256_hex(SECRET.as_bytes())));
        assert!(!c.matches(&auth::sha256_hex(b"other")));
        for bad in [
            None,
            Some(""),
            Some(ID),
            Some("a.b"),
            Some(&format!("{ID}.short")),
            Some(&format!("{ID}.{SECRET}=")),
            Some(&format!("{ID}!.{SECRET}")),
            Some(&format!(".{SECRET}")),
        ] {
            let e = VisitorCredential::parse(bad).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_visitor"), "{bad:?}");
        }
        assert_eq!(ApiError::visitor_forbidden().status(), 403);
        assert_eq!(ApiError::conversation_not_found().status(), 404);
        assert_eq!(ApiError::conversation_conflict().status(), 409);
    }
}
