//! The Worker's `email` handler (Email Routing; `wrangler dev` runs it on
//! `POST /cdn-cgi/handler/email?from=&to=`): a reply to one of the edge's
//! e-mails, sent to its reply address (`mail::reply_address`), is read
//! (`mail::inbound`) and handed to the site's object (`site::mail_in`),
//! which adds it to the conversation. Whatever is refused is rejected with
//! its reason (the sender gets it as a bounce); nothing here panics, and an
//! error never leaves the handler (the runtime would see an exception).

use crate::bindings::{text_var, EmailRejecter};
use crate::mail::inbound;
use crate::mail::reply_address::{ReplyAddress, DOMAIN_VAR};
use crate::objects::{self, Answer};
use crate::site::mail_in::{MailIn, MailInAnswer, MAIL_IN};
use presenza_protocol::error::ErrorBody;
use presenza_protocol::limits::MAX_INBOUND_MAIL_BYTES;
use worker::{event, Context, Env, ForwardableEmailMessage};

#[event(email)]
async fn email(message: ForwardableEmailMessage, env: Env, _ctx: Context) -> worker::Result<()> {
    let rejecter = EmailRejecter::of(&message);
    if let Err(reason) = receive(&message, &env).await {
        worker::console_warn!("e-mail to {} rejected: {reason}", message.to());
        rejecter.reject(&reason).await;
    }
    Ok(())
}

/// Reads the reply and hands it to its site; the reason when refused.
async fn receive(message: &ForwardableEmailMessage, env: &Env) -> Result<(), String> {
    let domain = text_var(env, DOMAIN_VAR).ok_or("replies by e-mail are off")?;
    let to = message.to();
    let address = ReplyAddress::parse(&to, &domain).ok_or("no such reply address")?;
    let too_large = || format!("too large: at most {} KB", MAX_INBOUND_MAIL_BYTES / 1024);
    if message.raw_size() > MAX_INBOUND_MAIL_BYTES as f64 {
        return Err(too_large());
    }
    let raw = message
        .raw_bytes()
        .await
        .map_err(|e| format!("unreadable message: {e}"))?;
    if raw.len() > MAX_INBOUND_MAIL_BYTES {
        return Err(too_large());
    }
    let mail = inbound::parse(&raw);
    let message_id = mail.message_id.ok_or("no Message-ID")?;
    // The header's address is the one DMARC protects; the envelope's when
    // there is none.
    let sender = mail.from.unwrap_or_else(|| message.from());
    let stub = objects::site(env, &address.site).map_err(|e| e.to_string())?;
    let body = MailIn {
        to,
        sender,
        message_id,
        text: mail.text,
    };
    match objects::call::<_, MailInAnswer>(&stub, MAIL_IN, &body).await {
        Ok(Answer::Ok(_)) => Ok(()),
        Ok(Answer::Refused(mut resp)) => {
            let text = resp.text().await.unwrap_or_default();
            Err(serde_json::from_str::<ErrorBody>(&text)
                .map(|b| b.error.message)
                .unwrap_or_else(|_| format!("refused ({})", resp.status_code())))
        }
        Err(e) => Err(format!("not delivered, try again later ({e})")),
    }
}
