//! The visitor shield (Wasm): before an anonymous visitor call reaches a
//! site's object, Cloudflare's rate-limiting binding (`VISITOR_SHIELD` in
//! wrangler.toml) counts it per site and client address.
//!
//! Why two layers: every request that reaches the object runs on the site's
//! one thread, refused or not, so a flood from one address must be turned
//! away before it; the binding does that in the Worker, for free, but its
//! counters are per Cloudflare location and approximate, and its limit is
//! fixed in wrangler.toml. What a site allows exactly (sockets per address,
//! new conversations per address and per minute: `VisitorLimits`) is
//! therefore enforced by the object, with the owner's settings; the shield
//! only sits far above those limits. Without the binding (an edge run
//! without wrangler, e.g. the Miniflare benchmarks) there is no shield.

use crate::domain::address::ClientAddress;
use crate::error::ApiError;
use crate::request::header;
use crate::route::{SiteOp, VisitorOp};
use presenza_protocol::SiteId;
use worker::{Env, Request};

const BINDING: &str = "VISITOR_SHIELD";
/// The binding's period (wrangler.toml): when to try again.
const PERIOD_MS: i64 = 60_000;

/// Whether `op` is a visitor call the shield counts: opening a widget
/// socket, sending a message, or asking for a transcript by e-mail.
fn counted(op: &SiteOp) -> bool {
    matches!(
        op,
        SiteOp::Visitor(VisitorOp::Live { .. } | VisitorOp::Send | VisitorOp::Transcript)
    )
}

/// 429 `rate_limited` when this address sent too many visitor calls to
/// `site` lately.
pub async fn admit(env: &Env, site: &SiteId, op: &SiteOp, req: &Request) -> Result<(), ApiError> {
    if !counted(op) {
        return Ok(());
    }
    let Some(address) = ClientAddress::parse(header(req, "CF-Connecting-IP").as_deref()) else {
        return Ok(());
    };
    let Ok(limiter) = env.rate_limiter(BINDING) else {
        return Ok(());
    };
    match limiter.limit(address.key(site)).await {
        Ok(outcome) if !outcome.success => Err(ApiError::RateLimited {
            retry_after_ms: PERIOD_MS,
        }),
        Ok(_) => Ok(()),
        Err(e) => {
            // The shield is a guard, not a dependency: fail open.
            worker::console_error!("visitor shield: {e}");
            Ok(())
        }
    }
}
