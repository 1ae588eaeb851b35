//! The client's network address, as the platform gives it
//! (`CF-Connecting-IP`; `wrangler dev` sets it to 127.0.0.1), reduced to
//! what one client can hold: an IPv4 address, or the /64 prefix of an IPv6
//! address (one subscriber is routinely given a whole /64). Per-address
//! limits key on it; it is stored only hashed with the site id, never as
//! the address itself.

use crate::auth;
use presenza_protocol::SiteId;
use std::net::IpAddr;

/// A client address, reduced to what one client holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(IpAddr);

impl ClientAddress {
    /// From the `CF-Connecting-IP` header; `None` when absent or malformed
    /// (then per-address limits cannot apply, and the site-wide ones do).
    pub fn parse(header: Option<&str>) -> Option<ClientAddress> {
        let ip: IpAddr = header?.trim().parse().ok()?;
        Some(ClientAddress(match ip {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    IpAddr::V6(prefix.into())
                }
            },
        }))
    }

    /// The key limits and socket tags use for this address on `site`: a
    /// hash, so the address itself is never stored.
    pub fn key(&self, site: &SiteId) -> String {
        auth::sha256_hex(format!("{site}|{}", self.0).as_bytes())[..20].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteId {
        SiteId::parse("s_0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn addresses() {
        let a = ClientAddress::parse(Some("203.0.113.7")).unwrap();
        assert_eq!(a, ClientAddress::parse(Some(" 203.0.113.7 ")).unwrap());
        assert_ne!(a, ClientAddress::parse(Some("203.0.113.8")).unwrap());
        // One IPv6 subscriber: the whole /64 is one client.
        let v6 = ClientAddress::parse(Some("2001:db8:1:2:aaaa::1")).unwrap();
        assert_eq!(
            v6,
            ClientAddress::parse(Some("2001:db8:1:2:ffff:1:2:3")).unwrap()
        );
        assert_ne!(v6, ClientAddress::parse(Some("2001:db8:1:3::1")).unwrap());
        // An IPv4 address written as IPv6 is that IPv4 address.
        assert_eq!(a, ClientAddress::parse(Some("::ffff:203.0.113.7")).unwrap());
        for bad in [None, Some(""), Some("localhost"), Some("1.2.3")] {
            assert_eq!(ClientAddress::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn keys_are_per_site_and_reveal_nothing() {
        let a = ClientAddress::parse(Some("203.0.113.7")).unwrap();
        let key = a.key(&site());
        assert_eq!(key.len(), 20);
        assert!(!key.contains("203"));
        let other = SiteId::parse("s_fedcba9876543210fedcba9876543210").unwrap();
        assert_ne!(key, a.key(&other));
    }
}
