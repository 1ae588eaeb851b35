//! Unsubscribe links: `GET /v1/sites/{site}/email/unsubscribe/{code}`,
//! where the code names the address and proves the site made it (an
//! HMAC-SHA256 with the site's own secret), so nobody unsubscribes an
//! address they merely know.

use presenza_protocol::id::hex;
use sha2::{Digest, Sha256};

/// Hex digits of the MAC kept in a code.
const MAC_HEX: usize = 32;

pub fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new()
        .chain_update(block.map(|b| b ^ 0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(block.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn mac(key: &str, address: &str) -> String {
    let full = hex(&hmac(key.as_bytes(), address.to_lowercase().as_bytes()));
    full[..MAC_HEX].to_string()
}

/// The code of `address` under the site's `key`: the address in hex, a dot,
/// its MAC.
pub fn code(key: &str, address: &str) -> String {
    format!("{}.{}", hex(address.as_bytes()), mac(key, address))
}

/// The address a code names, if the site's `key` made it.
pub fn verify(key: &str, code: &str) -> Option<String> {
    let (address_hex, given) = code.split_once('.')?;
    if address_hex.len() % 2 != 0 || address_hex.len() > 1024 {
        return None;
    }
    let bytes = (0..address_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(address_hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let address = String::from_utf8(bytes).ok()?;
    crate::auth::secret_matches(given, &mac(key, &address)).then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_is_the_standard_one() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn codes_name_the_address_and_cannot_be_forged() {
        let c = code("k1", "Ann@Example.com");
        assert_eq!(verify("k1", &c).as_deref(), Some("Ann@Example.com"));
        assert_eq!(verify("k2", &c), None, "another site's key");
        let (addr, mac) = c.split_once('.').unwrap();
        let other = format!("{}.{mac}", hex(b"bob@example.com"));
        assert_eq!(verify("k1", &other), None, "the MAC binds the address");
        assert_eq!(verify("k1", addr), None);
        assert_eq!(verify("k1", "zz.00"), None);
        assert_eq!(verify("k1", ""), None);
    }
}
