//! The model: the live status from the edge, read from its JSON payload
//! (no serde: it would cost more than the rest of the widget), and the
//! checks applied to the site's look before it reaches the stylesheet.
//!
//! The site's settings and the page's overrides themselves stay JS objects
//! (see `controller`): reading a key where it is needed is smaller than
//! mirroring every field in Rust.

use alloc::string::String;
use wasm_bindgen::JsValue;

use crate::js;

/// An audience's status, from the rules crate (`no_std` without its
/// features): `Status` orders `Offline < Busy < Online`, and its
/// discriminants (0, 1, 2) index the widget's per-status text keys.
pub use presenza_rules::Status;

/// One status answer: `{"status","reason","message","back_at","next_change"}`.
#[derive(Clone, Debug)]
pub struct Live {
    pub status: Status,
    /// Why (the rules' `Reason`, as sent): only compared, so kept as text
    /// (parsing it would add every reason's name to the launcher).
    pub reason: Option<String>,
    pub message: Option<String>,
    /// `back_at` in Unix milliseconds.
    pub back_at: Option<f64>,
    /// The payload itself, handed to `presenza('on', 'status', fn)` listeners.
    pub raw: JsValue,
    /// False for the offline state assumed while the edge is unreachable.
    pub server: bool,
}

impl Live {
    pub fn parse(raw: JsValue) -> Option<Live> {
        let status = Status::parse(&js::get_str(&raw, "status")?)?;
        let back_at = js::call1(&js::g("Date"), "parse", &js::get(&raw, "back_at"))
            .as_f64()
            .filter(|t| !t.is_nan());
        Some(Live {
            status,
            reason: js::get_str(&raw, "reason"),
            message: js::get_str(&raw, "message").filter(|m| !m.trim_ascii().is_empty()),
            back_at,
            raw,
            server: true,
        })
    }

    /// What is shown while the edge cannot be reached.
    pub fn unreachable() -> Live {
        let raw = js::json(
            r#"{"status":"offline","reason":"no_agents","message":null,"back_at":null,"next_change":null}"#,
        );
        let mut live = Live::parse(raw).unwrap_or(Live {
            status: Status::Offline,
            reason: None,
            message: None,
            back_at: None,
            raw: JsValue::NULL,
            server: false,
        });
        live.server = false;
        live
    }

    /// Same answer as far as a visitor can tell (payloads may differ in
    /// `next_change` only).
    pub fn same(&self, other: &Live) -> bool {
        self.status == other.status
            && self.reason == other.reason
            && self.message == other.message
            && self.back_at == other.back_at
    }
}

/// An offset in px from a JSON number, clamped to 0..=400 (NaN: 0).
pub fn px(v: &JsValue) -> Option<u32> {
    let v = v.as_f64()?;
    Some(if v > 400.0 {
        400
    } else if v > 0.0 {
        v as u32
    } else {
        0
    })
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `#rgb` or `#rrggbb` (any case) as lowercase
/// `#rrggbb`; None otherwise (so nothing else ever reaches the stylesheet).
pub fn hex(s: &str) -> Option<String> {
    let h = s.strip_prefix('#')?.as_bytes();
    if !(h.len() == 3 || h.len() == 6) || h.iter().any(|&b| hex_val(b).is_none()) {
        return None;
    }
    let mut out = String::from("#");
    for i in 0..6 {
        let b = if h.len() == 3 { h[i / 2] } else { h[i] };
        out.push(b.to_ascii_lowercase() as char);
    }
    Some(out)
}

/// Black or white, whichever contrasts more with `#rrggbb` (WCAG relative
/// luminance); one of the two always reaches 4.5:1.
#[inline(never)]
pub fn on_color(hex: &str) -> &'static str {
    let b = hex.as_bytes();
    let math = js::g("Math");
    let mut l = 0.0;
    for (i, w) in [(1, 0.2126), (3, 0.7152), (5, 0.0722)] {
        let hi = b.get(i).copied().and_then(hex_val).unwrap_or(0);
        let lo = b.get(i + 1).copied().and_then(hex_val).unwrap_or(0);
        let v = f64::from(hi * 16 + lo) / 255.0;
        let lin = if v <= 0.04045 {
            v / 12.92
        } else {
            js::call(
                &math,
                "pow",
                &JsValue::from_f64((v + 0.055) / 1.055),
                &JsValue::from_f64(2.4),
            )
            .as_f64()
            .unwrap_or(0.0)
        };
        l += w * lin;
    }
    // Contrast with white is 1.05 / (l + .05), with black (l + .05) / .05.
    if (l + 0.05) * (l + 0.05) > 1.05 * 0.05 {
        "#000"
    } else {
        "#fff"
    }
}
