//! A visitor's context, recorded at their widget's `auth` (the page they
//! are on now) and `send` (the page they wrote from), with what the
//! socket's opening request said (browser, OS, country, city), and at a
//! `POST visitor/messages` (its body's page, its own request); then told
//! to the devices of the agents serving their open conversation, so the
//! console follows them from page to page. Only for a visitor who wrote
//! (a stored visitor): nothing is recorded of anyone else.

use crate::domain::context::{Client, Page};
use crate::error::ApiError;
use crate::site::conversation::served;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use presenza_protocol::frame::{self, DeviceEvent, PageContext};
use presenza_protocol::view::VisitorContext;
use presenza_protocol::VisitorId;

/// Records what the `client` (a socket's, or a request's) and the page
/// `context` say of `visitor` (`wrote`: it came with a message, its page is
/// the one written from).
pub fn record(
    site: &Site,
    client: &Client,
    visitor: &VisitorId,
    context: Option<&PageContext>,
    wrote: bool,
    now: i64,
) -> Result<(), ApiError> {
    let page = Page::parse(context);
    let seen = VisitorContext {
        wrote_from: page.page.clone().filter(|_| wrote),
        page: page.page,
        referrer: page.referrer,
        browser: client.browser.clone(),
        os: client.os.clone(),
        country: client.country.clone(),
        city: client.city.clone(),
        time_zone: page.time_zone,
        at: None,
    };
    if seen == VisitorContext::default() {
        return Ok(());
    }
    site.store.record_context(visitor, &seen, now)?;
    if sockets::count(&site.state, Tag::Devices) == 0 {
        return Ok(());
    }
    let Some(conv) = site.store.open_conversation_of_visitor(visitor)? else {
        return Ok(());
    };
    let Some(context) = site.store.context(visitor)? else {
        return Ok(());
    };
    let cfg = site.config()?;
    let text = frame::to_text(&DeviceEvent::Visitor {
        conversation_id: conv.id.clone(),
        context,
    });
    for serving in served::devices(site, &cfg, &conv)? {
        for ws in serving.devices {
            let _ = ws.send_with_str(&text);
        }
    }
    Ok(())
}
