//! `POST visitor/transcript`: the visitor's latest conversation by e-mail,
//! to the address given (kept as theirs) or the one they gave before. The
//! widget offers it; the e-mail goes out at once from the object's alarm
//! (see `site::mail`). 409 `email_off` while the site sends no e-mail,
//! 409 `no_conversation` before the visitor wrote, 400 `contact_required`
//! without an address.

use super::thread;
use crate::domain::visitor::VisitorCredential;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::mail;
use crate::site::state::Site;
use presenza_protocol::body::TranscriptBody;
use presenza_protocol::http::VISITOR_HEADER;
use presenza_protocol::view::TranscriptQueued;
use presenza_rules::conversation::validate_email;
use presenza_rules::RuleError;
use worker::Response;

pub async fn post(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    call.widget_origin_allowed()?;
    let cred = VisitorCredential::parse(call.header(VISITOR_HEADER).as_deref())?;
    let body: TranscriptBody = call.body.json()?;
    let given = body
        .email
        .as_deref()
        .map(|e| validate_email(e).map(str::to_owned))
        .transpose()
        .map_err(|e| ApiError::from_rule(&e))?;
    if !mail::on(site, cfg) {
        return Err(ApiError::conflict("email_off", "this site sends no e-mail"));
    }
    let no_conversation = || ApiError::conflict("no_conversation", "write a message first");
    let visitor = thread::visitor(site, &cred)?.ok_or_else(no_conversation)?;
    let conv = site
        .store
        .latest_conversation_of_visitor(&visitor.id)?
        .ok_or_else(no_conversation)?;
    let email = given
        .or(visitor.email.clone())
        .ok_or_else(|| ApiError::from_rule(&RuleError::ContactRequired))?;
    if visitor.email.as_deref() != Some(email.as_str()) {
        site.store.set_visitor_email(&visitor.id, &email)?;
    }
    mail::transcript(site, &conv.id, call.now).await?;
    respond::json(202, &TranscriptQueued { email })
}
