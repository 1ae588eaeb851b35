//! The visitor's context beside their conversation (`VisitorContext`, as
//! the edge recorded it): the page they are on (live) and the one they
//! wrote from, where they came from, browser and OS, country and city, and
//! their local time. A wrapping list of short items, so it reads on a
//! phone; fields the edge does not know are left out (locally there may be
//! no country or city at all). Every value is anonymous input: text nodes
//! only, and links only to the http(s) URLs the edge let through.

use js_sys::{Array, Date, Reflect};
use presenza_protocol::view::VisitorContext;
use wasm_bindgen::{JsCast, JsValue};

use super::dom::{el, El};

/// A URL without its scheme, for reading (`shop.example/kettle?x=1`).
fn short(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

fn link(url: &str) -> El {
    el("a")
        .attr("href", url)
        .attr("target", "_blank")
        .attr("rel", "noopener noreferrer nofollow")
        .attr("title", url)
        .user_text(short(url))
}

fn item(label: &str, value: El) -> El {
    el("div")
        .class("ctx-item")
        .child(el("dt").text(label))
        .child(el("dd").child(value))
}

/// "14:32" where the visitor is, from their IANA time zone (nothing if the
/// browser does not know it).
pub fn local_time(tz: &str) -> Option<String> {
    let date = Date::new_0();
    let f = Reflect::get(&date, &"toLocaleTimeString".into()).ok()?;
    let options = js_sys::Object::new();
    Reflect::set(&options, &"timeZone".into(), &tz.into()).ok()?;
    Reflect::set(&options, &"hour".into(), &"2-digit".into()).ok()?;
    Reflect::set(&options, &"minute".into(), &"2-digit".into()).ok()?;
    let args = Array::of2(&JsValue::UNDEFINED, &options);
    Reflect::apply(f.dyn_ref::<js_sys::Function>()?, &date, &args)
        .ok()?
        .as_string()
}

/// The context block, or nothing when nothing is known.
pub fn block(c: &VisitorContext) -> Option<El> {
    let mut items = Vec::new();
    if let Some(page) = &c.page {
        items.push(item("On page", link(page)));
    }
    if let Some(from) = c
        .wrote_from
        .as_ref()
        .filter(|f| Some(*f) != c.page.as_ref())
    {
        items.push(item("Wrote from", link(from)));
    }
    if let Some(referrer) = &c.referrer {
        items.push(item("Came from", link(referrer)));
    }
    let device = match (&c.browser, &c.os) {
        (Some(b), Some(o)) => Some(format!("{b} on {o}")),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    };
    if let Some(device) = device {
        items.push(item("Browser", el("span").user_text(&device)));
    }
    let place = match (&c.city, &c.country) {
        (Some(city), Some(country)) => Some(format!("{city}, {country}")),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    };
    if let Some(place) = place {
        items.push(item("Location", el("span").user_text(&place)));
    }
    if let Some(time) = c.time_zone.as_deref().and_then(local_time) {
        let tz = c.time_zone.as_deref().unwrap_or_default();
        items.push(item("Local time", el("span").attr("title", tz).text(&time)));
    }
    if items.is_empty() {
        return None;
    }
    Some(
        el("dl")
            .class("visitor-context")
            .attr("aria-label", "Visitor details")
            .children(items),
    )
}
