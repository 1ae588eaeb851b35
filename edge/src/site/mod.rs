//! `SiteObject`: the Durable Object of one site. It owns the site's SQLite
//! storage, every live socket of the site (hibernatable) and its one alarm.
//! This file holds the object and its dispatch only; each concern is a
//! file beside it:
//!
//! - [`state`]: the [`Site`](state::Site) handle every handler receives
//!   (runtime state, storage, caches) and its verbs;
//! - [`config`]: the site's configuration, cached;
//! - [`presence`]: the one presence pipeline (change → evaluation → diff →
//!   sends → alarm);
//! - [`counting`]: counters and the visitor socket count kept in memory;
//! - [`call`], [`caller`]: one HTTP call, and who makes it (authenticated
//!   once: handlers receive the agent's row or the owner's proof);
//! - [`visitor`], [`agent`], [`inbox`], [`owner`]: the handlers, one file
//!   per operation, by who may call them; [`conversation`]: what the
//!   conversation handlers of both sides share;
//! - [`socket`]: socket events, by the socket's kind;
//! - [`housekeeping`]: retention, run by the alarm; [`mail`]: e-mail,
//!   queued by the handlers and sent by the alarm; [`mail_in`]: a reply
//!   by e-mail, added to its conversation; [`webhooks`]: the same for
//!   webhook deliveries; [`alerts`]: the owner's alerts, checked by the
//!   alarm;
//! - [`relays`]: what goes to the relays holding the site's widget sockets
//!   (sent after each event, `SiteObject::end_of_event`);
//! - [`internal`]: the Worker's own calls.
//!
//! Every event (HTTP call, socket message, alarm) ends by storing the
//! pending counters if it wrote anyway ([`state::Site::save_tallies`]) and
//! by sending what it queued for relays. A
//! visitor socket closing or sending a frame thus does no SQL at all, and a
//! device socket closing one UPDATE (its session's last sign of life).

mod agent;
mod alerts;
mod call;
mod caller;
mod config;
mod conversation;
mod counting;
mod faults;
mod housekeeping;
mod inbox;
mod internal;
pub mod mail;
pub mod mail_in;
mod owner;
mod presence;
mod relays;
mod socket;
mod state;
mod visitor;
mod webhooks;

pub use internal::{Init, DELETE_SITE, RENAME_SITE};

use crate::bindings::now_ms;
use crate::cors::{self, Decision};
use crate::error::ApiError;
use crate::request::{self, Body};
use crate::respond;
use crate::route::{Forwarded, SiteOp, FORWARDED_HEADER};
use crate::store::MetaKey;
use crate::tally::Counter;
use call::Call;
use presence::Change;
use presenza_protocol::frame::{close, PING, PONG};
use state::Site;
use std::rc::Rc;
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, Url, WebSocket,
    WebSocketIncomingMessage, WebSocketRequestResponsePair,
};

#[durable_object]
pub struct SiteObject {
    /// Shared with the flush of what goes to relays, which runs after the
    /// event that queued it ([`SiteObject::end_of_event`]).
    site: Rc<Site>,
}

impl DurableObject for SiteObject {
    fn new(state: State, env: Env) -> Self {
        // Devices and widgets send "ping"; the runtime answers "pong" itself,
        // without waking the object, and records when it did.
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            state.set_websocket_auto_response(&pair);
        }
        SiteObject {
            site: Rc::new(Site::new(state, env, now_ms())),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        if let Some(name) = url.path().strip_prefix("/internal/") {
            let name = name.to_string();
            let result = internal::serve(&self.site, &name, &mut req, &url).await;
            self.end_of_event();
            return result.or_else(|e| respond::error(&e, &[]));
        }
        let origin = request::header(&req, "Origin");
        let own_origin = url.origin().ascii_serialization();
        let mut decision = cors::decide(origin.as_deref(), &own_origin, None);
        let result = self
            .serve(
                &mut req,
                &url,
                origin.as_deref(),
                &own_origin,
                &mut decision,
            )
            .await;
        self.end_of_event();
        match result {
            Ok(resp) if resp.status_code() == 101 => Ok(resp),
            Ok(resp) => Ok(respond::with_headers(resp, &decision.site_headers())),
            Err(e) => respond::error(&e, &decision.site_headers()),
        }
    }

    /// The one alarm: a grace period ends, working hours open or close, or
    /// a resident object's keep-alive tick. A run that fails is an error to
    /// the runtime, which runs the alarm again (with backoff): a quiet site
    /// must not stay "online" past its grace period because one run failed.
    async fn alarm(&self) -> worker::Result<Response> {
        // The alarm that fired is consumed; whatever comes next is set below.
        self.site.presence.alarm_fired();
        if !self.site.holds_site() {
            return Response::ok("");
        }
        self.site.tallies.bump(Counter::Alarms);
        let now = now_ms();
        let result = if self.site.faults.fail_alarm() {
            Err(ApiError::internal("alarm failure injected by TEST_FAULTS"))
        } else {
            self.site.relays.alarm(now);
            self.housekeeping_then_settle(now).await
        };
        // Relays that lack a version get it now (a failure sets the next
        // alarm for another try).
        self.site.relays.flush(&self.site).await;
        // Alarms are rare: each stores the counters, writing or not.
        self.site.save_tallies(true);
        respond::alarm_outcome("site", result)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        // Counts wakes caused by socket messages (pings never get here).
        self.site.tallies.bump(Counter::SocketMessagesHandled);
        socket::message(&self.site, ws, message).await;
        self.end_of_event();
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        socket::gone(&self.site, &ws, false);
        self.site.save_tallies(false);
        // Completes the closing handshake (ignored if already closed).
        let _ = ws.close(Some(close::NORMAL), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        socket::gone(&self.site, &ws, true);
        self.site.save_tallies(false);
        Ok(())
    }

    async fn connect(&self, _socket: worker::Socket) -> worker::Result<()> {
        Err(worker::Error::RustError(
            "TCP connect is not supported".into(),
        ))
    }
}

impl SiteObject {
    /// Every event ends here: pending counters stored if it wrote, and what
    /// it queued for relays sent after it (the caller is not kept waiting).
    fn end_of_event(&self) {
        self.site.save_tallies(false);
        if self.site.relays.pending() {
            let site = self.site.clone();
            wasm_bindgen_futures::spawn_local(async move {
                site.relays.flush(&site).await;
                site.save_tallies(false);
            });
        }
    }

    /// What an alarm does: retention when it is due, then presence, then
    /// the alerts when due (on the history presence just recorded), then
    /// the e-mail and the webhook deliveries that are due (alerts' too).
    async fn housekeeping_then_settle(&self, now: i64) -> Result<(), ApiError> {
        let cfg = self.site.config()?;
        let change = if housekeeping::sweep_if_due(&self.site, &cfg, now)? {
            Change::ConfigChanged
        } else {
            Change::Read
        };
        self.site.settle(change, now).await?;
        let cfg = self.site.config()?;
        if self.site.next_alert_check()?.is_some_and(|at| at <= now) {
            alerts::check(&self.site, &cfg, now)?;
        }
        mail::send_due(&self.site, &cfg, now).await?;
        // Webhooks last: presence is settled whatever a receiver does; the
        // alarm then moves to the next delivery due.
        if self.site.next_webhook_due()?.is_some_and(|due| due <= now) {
            webhooks::send_due(&self.site, &cfg, now).await?;
        }
        // The alarm moves to what is due next (the next alert check, a
        // retry, the next delivery).
        self.site.settle(Change::Read, now_ms()).await?;
        Ok(())
    }

    /// A public call the Worker forwarded, by who may make it.
    async fn serve(
        &self,
        req: &mut Request,
        url: &Url,
        origin: Option<&str>,
        own_origin: &str,
        decision: &mut Decision,
    ) -> Result<Response, ApiError> {
        let Forwarded { site: site_id, op } =
            Forwarded::decode(request::header(req, FORWARDED_HEADER).as_deref())
                .ok_or_else(ApiError::route_not_found)?;
        let body = Body::read(req, op.has_body()).await;
        let site = &self.site;
        let cfg = site.config()?;
        if cfg.site_id != site_id {
            return Err(ApiError::site_not_found());
        }
        *decision = cors::decide(origin, own_origin, Some(&cfg.origins));
        if cfg.public_origin.as_deref() != Some(own_origin) {
            // Where the edge is reached, for the links of e-mails sent
            // later (by the alarm); written once, not per call.
            site.store.meta_set(MetaKey::PublicOrigin, own_origin)?;
            site.config_changed();
        }
        let call = Call {
            req: &*req,
            url,
            body,
            cors: decision.clone(),
            now: now_ms(),
        };
        match op {
            SiteOp::Visitor(op) => visitor::serve(site, &cfg, &call, op).await,
            SiteOp::Agent(op) => {
                let me = caller::agent(&site.store, &cfg, &call, &op)?;
                agent::serve(site, &cfg, &call, me, op).await
            }
            SiteOp::Owner(op) => {
                let owner = caller::owner(&site.store, &cfg, &call, &op)?;
                owner::serve(site, &cfg, &call, owner, op).await
            }
        }
    }
}
