//! `RelayObject`: a Durable Object that holds widget sockets for one site
//! in one region (one shard of it), so the site's object does not (see
//! `relaying` for the design and the reasons). This file holds the object
//! and its dispatch only:
//!
//! - [`state`]: the [`Relay`](state::Relay) handle (sockets, the snapshot
//!   it holds, syncing with the site, its alarm);
//! - [`socket`]: widget sockets opening and sending frames;
//! - [`lookup`]: status lookups the Worker's cache missed in its region;
//! - [`store`]: what survives its eviction.
//!
//! Calls it receives: `GET live` from the Worker (a widget socket) and
//! `internal/status` (a lookup), and from its site `internal/publish` (a new snapshot,
//! which it passes on to the relays the site named: `relaying::publish_plan`) and
//! `internal/deliver` (a visitor's conversation frames, an erasure).
//!
//! Why chat frames are forwarded, not kept on the site's object: a visitor
//! who ever wrote reconnects as that visitor on every page they open, so
//! keeping their sockets on the site would bring back the audience the
//! relays are for. A relay forwards only `auth` and `send` (after checking
//! the socket's budget and that the frame parses): the site runs them
//! exactly as for its own sockets and answers the frames for that socket;
//! the visitor's other sockets get their conversation's frames through
//! `deliver`, sent by the site in order, once per relay, to the relays
//! where that visitor authenticated. Each frame reaches each socket once:
//! the socket a message came from is skipped by its id, as on the site.

mod lookup;
mod socket;
mod state;
mod store;

pub use socket::{RELAY_FULL_HEADER, RELAY_HEADER};

use crate::bindings;
use crate::error::ApiError;
use crate::objects;
use crate::relaying::{self, Ack, Delivered, Delivery, Publish, Published, RelayName};
use crate::respond;
use crate::sockets::{self, Tag};
use futures_util::future::{join, join_all};
use presenza_protocol::frame::{close, PING, PONG};
use state::Relay;
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketRequestResponsePair,
};

#[durable_object]
pub struct RelayObject {
    relay: Relay,
}

impl DurableObject for RelayObject {
    fn new(state: State, env: Env) -> Self {
        // Widgets send "ping"; the runtime answers itself, without waking
        // the relay.
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            state.set_websocket_auto_response(&pair);
        }
        RelayObject {
            relay: Relay::new(state, env),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        let result = match url.path().strip_prefix("/internal/") {
            Some("publish") => self.publish(&mut req).await,
            Some("deliver") => self.deliver(&mut req).await,
            Some("status") => lookup::status(&self.relay, &req, &url).await,
            Some(_) => Err(ApiError::route_not_found()),
            None => socket::open(&self.relay, &req).await,
        };
        result.or_else(|e| respond::error(&e, &[]))
    }

    /// Syncs with the site (or leaves it, with no socket left).
    async fn alarm(&self) -> worker::Result<Response> {
        respond::alarm_outcome("relay", self.relay.tick().await)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        socket::message(&self.relay, &ws, message).await;
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        socket::gone(&self.relay, &ws);
        let _ = ws.close(Some(close::NORMAL), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        socket::gone(&self.relay, &ws);
        Ok(())
    }
}

impl RelayObject {
    /// A new snapshot from the site (or from the relay it was given to):
    /// applied here and passed on to the relays it names; answers the
    /// version held now and the sockets, here and there.
    async fn publish(&self, req: &mut Request) -> Result<Response, ApiError> {
        let publish: Publish = objects::read(req).await?;
        self.relay.name(Some(&publish.relay))?;
        // Passed on first: the others' widgets do not wait for this
        // relay's own fan-out (`join` polls in order).
        let (forwarded, version) = join(pass_on(self.relay.env(), &publish), async {
            self.relay.apply(&publish.snapshot)
        })
        .await;
        let ack = Ack {
            version: version?,
            sockets: self.relay.sockets(),
        };
        respond::json(200, &Published { ack, forwarded })
    }

    /// A visitor's conversation frames (or erasure), and the `widget`
    /// frame of a settings change, in order.
    async fn deliver(&self, req: &mut Request) -> Result<Response, ApiError> {
        let deliveries: Vec<Delivery> = objects::read(req).await?;
        let state = &self.relay.state;
        let mut delivered = Delivered::default();
        for delivery in deliveries {
            match delivery {
                Delivery::Frame {
                    visitor,
                    key,
                    skip,
                    text,
                } => {
                    let sent = bindings::send_to_visitor(
                        state,
                        &Tag::Visitor(&visitor).name(),
                        &Tag::UntaggedVisitor.name(),
                        visitor.as_str(),
                        &key,
                        skip.as_deref(),
                        &text,
                    );
                    if sent == 0 && skip.is_none() && !delivered.gone.contains(&visitor) {
                        delivered.gone.push(visitor);
                    }
                }
                Delivery::Erase { visitor } => {
                    sockets::close_visitor(state, &visitor);
                    self.relay.sockets_closed();
                }
                Delivery::Widget { text } => {
                    sockets::broadcast(state, Tag::Visitors, &text);
                }
                Delivery::SiteDeleted => self.relay.site_deleted()?,
            }
        }
        respond::json(200, &delivered)
    }
}

/// Passes a publish on to the relays it names (each as a leaf); their
/// acknowledgements, `None` for one that did not answer.
async fn pass_on(env: &Env, publish: &Publish) -> Vec<(RelayName, Option<Ack>)> {
    let calls = relaying::forward_list(publish).map(|relay| async move {
        let leaf = Publish {
            relay: relay.clone(),
            snapshot: publish.snapshot.clone(),
            forward: Vec::new(),
        };
        let answer = match objects::relay(env, relay) {
            Ok(stub) => objects::call::<_, Published>(&stub, "publish", &leaf).await,
            Err(e) => Err(e),
        };
        let ack = match answer {
            Ok(objects::Answer::Ok(published)) => Some(published.ack),
            Ok(objects::Answer::Refused(resp)) => {
                worker::console_error!(
                    "relay {}: publish refused with {}",
                    relay.object_name(),
                    resp.status_code()
                );
                None
            }
            Err(e) => {
                worker::console_error!("relay {}: publish: {e}", relay.object_name());
                None
            }
        };
        (relay.clone(), ack)
    });
    join_all(calls).await
}
