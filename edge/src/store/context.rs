//! Visitors' context (`visitor_context`): the page they are on and the one
//! they wrote from, the referrer, browser, OS, country, city and time zone,
//! as `domain::context` checked them. One row per visitor who wrote; a
//! field not given keeps what was recorded before.

use super::{Store, R};
use presenza_protocol::time::Timestamp;
use presenza_protocol::view::VisitorContext;
use presenza_protocol::VisitorId;
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    page: Option<String>,
    wrote_from: Option<String>,
    referrer: Option<String>,
    browser: Option<String>,
    os: Option<String>,
    country: Option<String>,
    city: Option<String>,
    time_zone: Option<String>,
    at: i64,
}

impl Store {
    /// Records what is known now (`None` fields keep the stored ones).
    pub fn record_context(&self, visitor: &VisitorId, c: &VisitorContext, now: i64) -> R<()> {
        self.run(
            "INSERT INTO visitor_context
               (visitor_id, page, wrote_from, referrer, browser, os, country, city, time_zone, at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(visitor_id) DO UPDATE SET
               page = COALESCE(excluded.page, page),
               wrote_from = COALESCE(excluded.wrote_from, wrote_from),
               referrer = COALESCE(excluded.referrer, referrer),
               browser = COALESCE(excluded.browser, browser),
               os = COALESCE(excluded.os, os),
               country = COALESCE(excluded.country, country),
               city = COALESCE(excluded.city, city),
               time_zone = COALESCE(excluded.time_zone, time_zone),
               at = excluded.at",
            vec![
                visitor.as_str().into(),
                c.page.as_deref().into(),
                c.wrote_from.as_deref().into(),
                c.referrer.as_deref().into(),
                c.browser.as_deref().into(),
                c.os.as_deref().into(),
                c.country.as_deref().into(),
                c.city.as_deref().into(),
                c.time_zone.as_deref().into(),
                now.into(),
            ],
        )
        .map(|_| ())
    }

    /// What was recorded of a visitor, if anything.
    pub fn context(&self, visitor: &VisitorId) -> R<Option<VisitorContext>> {
        let row: Option<Row> = self.first(
            "SELECT page, wrote_from, referrer, browser, os, country, city, time_zone, at
             FROM visitor_context WHERE visitor_id = ?",
            vec![visitor.as_str().into()],
        )?;
        Ok(row.map(|r| VisitorContext {
            page: r.page,
            wrote_from: r.wrote_from,
            referrer: r.referrer,
            browser: r.browser,
            os: r.os,
            country: r.country,
            city: r.city,
            time_zone: r.time_zone,
            at: Some(Timestamp(r.at)),
        }))
    }
}
