//! Query strings, parsed once and strictly, like bodies: each route names
//! the parameters it reads, and anything else is a 400 `invalid_query`
//! before the request goes further:
//!
//! - a parameter the route does not read (a typo such as `?limt=10` would
//!   otherwise be silently ignored, and a credential in a URL ends up in
//!   logs);
//! - a parameter given twice (`?group=a&group=b`: which one a cache, a
//!   proxy or a log reader takes is anyone's guess, so none is taken);
//! - a value that is not valid for its parameter.
//!
//! An empty value (`?cursor=`) is the same as an absent parameter, and empty
//! segments (`?&a=1&`) are nothing. Names and values are not percent-decoded:
//! every name and every value the API reads is made of URL-safe characters,
//! so an encoded one is simply not one of them. The OpenAPI document says the
//! same (`info.description`, and `allowEmptyValue` on each parameter).

use crate::domain::cursor::ListCursor;
use crate::domain::period::{self, PeriodQuery};
use crate::error::ApiError;
use presenza_protocol::limits::{
    DEFAULT_FIRST_REPLY_SECS, DEFAULT_LISTED_CONVERSATIONS, FIRST_REPLY_SECS, MAX_ENTITY_ID_LEN,
    MAX_LISTED_CONVERSATIONS, MAX_SEQ,
};
use presenza_protocol::{GroupId, VisitorId};
use presenza_rules::{AssignedFilter, StateFilter};

/// Tokens never travel in URLs: URLs end up in logs, browser history and
/// referrers. Refused with its own code, so a client that tries learns why.
fn token_in_query() -> ApiError {
    ApiError::bad_request(
        "token_in_query",
        "tokens never go in URLs: send Authorization: Bearer <token>, or on a device socket \
         the subprotocols [\"presenza\", \"presenza.token.<token>\"]",
    )
}

/// A query string checked against the parameters a route reads.
#[derive(Debug)]
pub struct Query<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Query<'a> {
    /// Checks `raw` (without the `?`) against `known`, the names the route
    /// reads: an unknown or repeated name is a 400 `invalid_query`.
    pub fn parse(raw: Option<&'a str>, known: &[&str]) -> Result<Query<'a>, ApiError> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for pair in raw.unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name == "token" {
                return Err(token_in_query());
            }
            if !known.contains(&name) {
                return Err(unknown(name, known));
            }
            if pairs.iter().any(|(seen, _)| *seen == name) {
                return Err(invalid(format!(
                    "`{name}` is given more than once: give each parameter once"
                )));
            }
            pairs.push((name, value));
        }
        Ok(Query { pairs })
    }

    /// The value of `name`; `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty())
    }

    /// `?group=<id>`: absent → the whole site.
    pub fn group(&self) -> Result<Option<GroupId>, ApiError> {
        self.get("group")
            .map(|g| {
                GroupId::parse(g).ok_or_else(|| {
                    invalid(format!(
                        "`group` must be a group id: 1 to {MAX_ENTITY_ID_LEN} characters \
                         a-z 0-9 _ -, starting with a letter or digit"
                    ))
                })
            })
            .transpose()
    }

    /// `?v=<version>` on an agent's picture: 16 hex digits
    /// (`domain::picture::version`); absent → the current picture.
    pub fn picture_version(&self) -> Result<Option<String>, ApiError> {
        self.get("v")
            .map(|v| {
                if v.len() == 16 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    Ok(v.to_string())
                } else {
                    Err(invalid(
                        "`v` must be a picture version: 16 hex digits a-f 0-9",
                    ))
                }
            })
            .transpose()
    }

    /// `?visitor=<id>` on `/live`.
    pub fn visitor(&self) -> Result<Option<VisitorId>, ApiError> {
        self.get("visitor")
            .map(|v| VisitorId::parse(v).ok_or_else(ApiError::invalid_visitor))
            .transpose()
    }

    /// `?after=<seq>`: absent → 0.
    pub fn after(&self) -> Result<u64, ApiError> {
        match self.get("after") {
            None => Ok(0),
            Some(v) => digits(v).filter(|n| *n <= MAX_SEQ).ok_or_else(|| {
                invalid(format!(
                    "`after` must be a sequence number: an integer from 0 to {MAX_SEQ}"
                ))
            }),
        }
    }

    /// `?state=open|closed|all` of `GET /conversations`: absent → open.
    pub fn state(&self) -> Result<StateFilter, ApiError> {
        match self.get("state") {
            None => Ok(StateFilter::Open),
            Some(s) => StateFilter::parse(s)
                .ok_or_else(|| invalid("`state` must be `open`, `closed` or `all`")),
        }
    }

    /// `?assigned=any|me|none` of `GET /conversations`: absent → any.
    pub fn assigned(&self) -> Result<AssignedFilter, ApiError> {
        match self.get("assigned") {
            None => Ok(AssignedFilter::Any),
            Some(s) => AssignedFilter::parse(s)
                .ok_or_else(|| invalid("`assigned` must be `any`, `me` or `none`")),
        }
    }

    /// `?limit=1..200` of `GET /conversations`: absent → 100.
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.get("limit") {
            None => Ok(DEFAULT_LISTED_CONVERSATIONS),
            Some(v) => digits(v)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| (1..=MAX_LISTED_CONVERSATIONS).contains(n))
                .ok_or_else(|| {
                    invalid(format!(
                        "`limit` must be an integer from 1 to {MAX_LISTED_CONVERSATIONS}"
                    ))
                }),
        }
    }

    /// `?from=&to=` of `GET history` and `GET insights`: instants
    /// ([`period::instant`]); the defaults are taken by the object.
    pub fn period(&self) -> Result<PeriodQuery, ApiError> {
        let instant = |name: &str| {
            self.get(name)
                .map(|v| {
                    period::instant(v).ok_or_else(|| {
                        invalid(format!(
                            "`{name}` must be an RFC 3339 date-time (2026-05-01T09:00:00Z) or Unix \
                             milliseconds, up to the year 9999"
                        ))
                    })
                })
                .transpose()
        };
        Ok(PeriodQuery {
            from: instant("from")?,
            to: instant("to")?,
        })
    }

    /// `?format=json|csv` of `GET history`: absent → JSON; whether CSV.
    pub fn csv(&self) -> Result<bool, ApiError> {
        match self.get("format") {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(_) => Err(invalid("`format` must be `json` or `csv`")),
        }
    }

    /// `?first_reply_secs=` of `GET insights`: absent → 300.
    pub fn first_reply_secs(&self) -> Result<u32, ApiError> {
        match self.get("first_reply_secs") {
            None => Ok(DEFAULT_FIRST_REPLY_SECS),
            Some(v) => digits(v)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| FIRST_REPLY_SECS.contains(n))
                .ok_or_else(|| {
                    invalid(format!(
                        "`first_reply_secs` must be an integer from {} to {}",
                        FIRST_REPLY_SECS.start(),
                        FIRST_REPLY_SECS.end()
                    ))
                }),
        }
    }

    /// `?cursor=C` of `GET /conversations`: absent → the first page.
    pub fn cursor(&self) -> Result<Option<ListCursor>, ApiError> {
        self.get("cursor")
            .map(|c| {
                ListCursor::parse(c)
                    .ok_or_else(|| invalid("`cursor` must be the `next_cursor` of a previous page"))
            })
            .transpose()
    }
}

/// A decimal integer written with digits only (no sign, no spaces).
fn digits(v: &str) -> Option<u64> {
    v.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| v.parse().ok())?
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", message)
}

fn unknown(name: &str, known: &[&str]) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    let reads = match known {
        [] => "this endpoint reads no query parameter".to_string(),
        names => format!(
            "this endpoint reads only {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    invalid(format!("unknown query parameter `{shown}`: {reads}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Query<'_>, ApiError>) -> Option<&'static str> {
        r.err().map(|e| e.code())
    }

    #[test]
    fn names_are_known_and_given_once() {
        assert_eq!(code(Query::parse(None, &[])), None);
        assert_eq!(code(Query::parse(Some(""), &[])), None);
        assert_eq!(code(Query::parse(Some("&&"), &[])), None);
        assert_eq!(code(Query::parse(Some("x=1"), &[])), Some("invalid_query"));
        assert_eq!(
            code(Query::parse(Some("group=a&group=a"), &["group"])),
            Some("invalid_query")
        );
        // An empty repeat is a repeat too.
        assert_eq!(
            code(Query::parse(Some("group=a&group"), &["group"])),
            Some("invalid_query")
        );
        // Names are not decoded: `gr%6Fup` is not `group`.
        assert_eq!(
            code(Query::parse(Some("gr%6Fup=a"), &["group"])),
            Some("invalid_query")
        );
        assert_eq!(
            code(Query::parse(Some("GROUP=a"), &["group"])),
            Some("invalid_query")
        );
        let e = Query::parse(Some("limt=5"), &["state", "limit"]).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.message().contains("`limt`"), "{}", e.message());
        assert!(e.message().contains("`state`, `limit`"), "{}", e.message());
    }

    #[test]
    fn empty_is_absent() {
        let q = Query::parse(Some("group=&after"), &["group", "after"]).unwrap();
        assert_eq!(q.get("group"), None);
        assert_eq!(q.group(), Ok(None));
        assert_eq!(q.after(), Ok(0));
        let q = Query::parse(Some("&group=sales&"), &["group"]).unwrap();
        assert_eq!(q.get("group"), Some("sales"));
    }

    #[test]
    fn values_are_checked() {
        let q =
            |raw: &'static str| Query::parse(Some(raw), &["group", "after", "visitor"]).unwrap();
        assert_eq!(
            q("group=Sales").group().unwrap_err().code(),
            "invalid_query"
        );
        assert_eq!(
            q("group=sa%6Ces").group().unwrap_err().code(),
            "invalid_query"
        );
        assert_eq!(
            q("group=sales").group(),
            Ok(Some(GroupId::parse("sales").unwrap()))
        );
        assert_eq!(q("after=9007199254740991").after(), Ok(MAX_SEQ));
        for bad in [
            "after=9007199254740992",
            "after=-1",
            "after=1.0",
            "after=%31",
            "after=+1",
        ] {
            assert_eq!(q(bad).after().unwrap_err().code(), "invalid_query", "{bad}");
        }
        assert_eq!(
            q("visitor=a.b").visitor().unwrap_err().code(),
            "invalid_visitor"
        );
    }

    #[test]
    fn periods_formats_and_thresholds() {
        let known = ["from", "to", "format", "first_reply_secs"];
        let q = |raw: &'static str| Query::parse(Some(raw), &known).unwrap();
        assert_eq!(q("").period(), Ok(PeriodQuery::default()));
        assert_eq!(
            q("from=1000&to=2027-01-01T00%3A00%3A00Z").period(),
            Ok(PeriodQuery {
                from: Some(1000),
                to: Some(1_798_761_600_000)
            })
        );
        for bad in ["from=yesterday", "to=-5", "from=2027-01-01T00:00:00"] {
            let e = q(bad).period().unwrap_err();
            assert_eq!(e.code(), "invalid_query", "{bad}");
        }
        assert_eq!(q("format=csv").csv(), Ok(true));
        assert_eq!(q("format=json").csv(), Ok(false));
        assert_eq!(q("format=").csv(), Ok(false));
        assert_eq!(q("format=CSV").csv().unwrap_err().code(), "invalid_query");
        assert_eq!(q("").first_reply_secs(), Ok(300));
        assert_eq!(q("first_reply_secs=10").first_reply_secs(), Ok(10));
        assert_eq!(q("first_reply_secs=86400").first_reply_secs(), Ok(86_400));
        for bad in [
            "first_reply_secs=9",
            "first_reply_secs=86401",
            "first_reply_secs=1e3",
        ] {
            assert_eq!(
                q(bad).first_reply_secs().unwrap_err().code(),
                "invalid_query"
            );
        }
    }
}
