//! A reply by e-mail (`internal/mail-in`: the Worker's `email` handler
//! read it, see `worker::mail_in`): the reply address it was sent to is
//! checked against this site's secret, its sender against the address the
//! e-mail went to, and its text becomes the agent's reply or the visitor's
//! message through the very paths of the console and the widget
//! (`inbox::reply`, `visitor::send`): the same rules, reopening, delivery
//! to live sockets, webhooks and e-mail. The mail's Message-ID is the
//! message's client id, so a redelivered mail is a retry, never a second
//! message.

use crate::auth::sha256_hex;
use crate::domain::visitor::VisitorCredential;
use crate::error::ApiError;
use crate::mail::reply_address::{ReplyAddress, Side};
use crate::site::config::Config;
use crate::site::conversation::deliver::{self, Origin};
use crate::site::inbox::reply;
use crate::site::state::Site;
use crate::site::visitor::send;
use crate::store::{AgentRow, ConversationRow};
use presenza_protocol::body::VisitorMessageBody;
use presenza_protocol::ConversationId;
use serde::{Deserialize, Serialize};

/// The internal call's name.
pub const MAIL_IN: &str = "mail-in";

/// Conversations read for one reply address's prefix (ids are random: more
/// than one is already a one-in-billions event).
const PREFIX_CANDIDATES: usize = 4;

/// What the Worker read from a received e-mail.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MailIn {
    /// The reply address it was sent to.
    pub to: String,
    /// Who sent it (its `From` address).
    pub sender: String,
    pub message_id: String,
    /// What the sender wrote (`mail::inbound`).
    pub text: String,
}

/// Where it went.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MailInAnswer {
    pub conversation_id: ConversationId,
    /// false: the same mail came before (nothing new).
    pub created: bool,
}

/// Adds a reply by e-mail to its conversation.
pub async fn receive(site: &Site, mail: MailIn, now: i64) -> Result<MailInAnswer, ApiError> {
    let cfg = site.config()?;
    let domain = site
        .reply_domain()
        .ok_or_else(|| ApiError::conflict("email_replies_off", "replies by e-mail are off"))?;
    let address = ReplyAddress::parse(&mail.to, &domain)
        .filter(|a| a.site == cfg.site_id)
        .ok_or_else(invalid_address)?;
    let (conversation, recipient) = made_for(site, &cfg, &address)?;
    if !recipient.eq_ignore_ascii_case(mail.sender.trim()) {
        return Err(ApiError::forbidden(
            "wrong_sender",
            "this reply address was sent to another address: reply from the address that got the e-mail",
        ));
    }
    let client_id = client_id(&mail.message_id);
    let stored = match address.side {
        Side::Agents => {
            let agent = agent_for(site, &cfg, &recipient)?;
            reply::add(
                site,
                &cfg,
                &agent,
                &conversation.id,
                &client_id,
                &mail.text,
                now,
            )
            .await?
        }
        Side::Visitor => {
            let visitor = site
                .store
                .visitor(&conversation.visitor_id)?
                .ok_or_else(invalid_address)?;
            // The stored visitor, as their own widget would authenticate.
            let credential = VisitorCredential {
                id: visitor.id.clone(),
                secret_hash: visitor.secret_hash.clone(),
            };
            let input = VisitorMessageBody {
                client_id,
                text: mail.text,
                group: None,
                name: None,
                email: None,
                context: None,
            };
            let stored = send::store(site, &credential, input, None, now).await?;
            deliver::message(site, &cfg, &stored, Origin::Http)?;
            send::tell(site, &cfg, &stored).await?;
            stored
        }
    };
    Ok(MailInAnswer {
        conversation_id: stored.conversation.id.clone(),
        created: stored.created,
    })
}

/// The conversation the address names and the recipient it was made for:
/// the visitor's address, or one of the agents' or the notification
/// address (whichever the MAC names).
fn made_for(
    site: &Site,
    cfg: &Config,
    address: &ReplyAddress,
) -> Result<(ConversationRow, String), ApiError> {
    let key = cfg.mail_key.as_deref().ok_or_else(invalid_address)?;
    let agent_addresses: Vec<String> = match address.side {
        Side::Agents => site
            .store
            .agents()?
            .into_iter()
            .filter_map(|a| a.email)
            .chain(cfg.email.notify_address.clone())
            .collect(),
        Side::Visitor => Vec::new(),
    };
    for conversation in site
        .store
        .conversations_with_prefix(&address.conversation_prefix, PREFIX_CANDIDATES)?
    {
        let candidates = match address.side {
            Side::Agents => agent_addresses.clone(),
            Side::Visitor => site
                .store
                .visitor(&conversation.visitor_id)?
                .and_then(|v| v.email)
                .into_iter()
                .collect(),
        };
        if let Some(recipient) = candidates
            .into_iter()
            .find(|r| address.made_for(key, &conversation.id, r))
        {
            return Ok((conversation, recipient));
        }
    }
    Err(invalid_address())
}

/// The agent who answers from `address`: the agent with that address, or,
/// for the site's notification address, the agent the owner answers as.
fn agent_for(site: &Site, cfg: &Config, address: &str) -> Result<AgentRow, ApiError> {
    let agents = site.store.agents()?;
    let by_address = agents.iter().find(|a| {
        a.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(address))
    });
    let owner = || {
        let notify = cfg.email.notify_address.as_deref()?;
        let me = cfg.owner_agent.as_ref()?;
        notify
            .eq_ignore_ascii_case(address)
            .then(|| agents.iter().find(|a| &a.id == me))
            .flatten()
    };
    by_address.or_else(owner).cloned().ok_or_else(|| {
        ApiError::forbidden(
            "not_an_agent",
            "this address answers as no agent of the site: give it to an agent, or choose the agent the owner answers as",
        )
    })
}

/// The message's client id: from the Message-ID, so that the same mail is
/// the same message however often it is delivered.
fn client_id(message_id: &str) -> String {
    format!("mail-{}", &sha256_hex(message_id.trim().as_bytes())[..40])
}

fn invalid_address() -> ApiError {
    ApiError::not_found(
        "invalid_reply_address",
        "this reply address was not made by this site, or its conversation is gone",
    )
}
