//! Instants on the wire: RFC 3339 text in UTC (`"2026-11-25T12:00:00Z"`),
//! Unix milliseconds in memory.

use alloc::string::String;
use core::fmt;

use presenza_rules::time::{parse_rfc3339, to_rfc3339};
use presenza_rules::UnixMillis;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// An instant, written as RFC 3339 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub UnixMillis);

impl Timestamp {
    pub fn millis(self) -> UnixMillis {
        self.0
    }
}

impl From<UnixMillis> for Timestamp {
    fn from(ms: UnixMillis) -> Self {
        Timestamp(ms)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_rfc3339(self.0))
    }
}

/// `Some(Timestamp)` of optional milliseconds.
pub fn opt(ms: Option<UnixMillis>) -> Option<Timestamp> {
    ms.map(Timestamp)
}

impl serde::Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_rfc3339(self.0))
    }
}

/// RFC 3339 text; Unix milliseconds are accepted too.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Timestamp, E> {
                parse_rfc3339(s)
                    .map(Timestamp)
                    .ok_or_else(|| E::custom(alloc::format!("`{s}` is not an RFC 3339 date-time")))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Timestamp, E> {
                self.visit_str(&s)
            }
            fn visit_i64<E: de::Error>(self, ms: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(ms))
            }
            fn visit_u64<E: de::Error>(self, ms: u64) -> Result<Timestamp, E> {
                i64::try_from(ms)
                    .map(Timestamp)
                    .map_err(|_| E::custom("instant out of range"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_both_ways() {
        let t = Timestamp(1_764_072_000_000);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#""2025-11-25T12:00:00Z""#);
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert_eq!(
            serde_json::from_str::<Timestamp>("1764072000000").unwrap(),
            t
        );
        assert!(serde_json::from_str::<Timestamp>(r#""tomorrow""#).is_err());
        assert_eq!(t.to_string(), "2025-11-25T12:00:00Z");
    }
}
