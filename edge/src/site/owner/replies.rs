//! `GET` / `PUT saved-replies`: replies the owner saves for agents (a
//! shortcut and a text). A PUT replaces the whole list; every connected
//! device gets the new list at once (the `saved_replies` frame), and a
//! device gets it in its `hello` when it connects.

use crate::domain::replies;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use presenza_protocol::body::SavedRepliesBody;
use presenza_protocol::frame::{self, DeviceEvent};
use presenza_protocol::view::SavedReplies;
use worker::Response;

pub fn get(cfg: &Config) -> Result<Response, ApiError> {
    respond::json(
        200,
        &SavedReplies {
            replies: cfg.saved_replies.clone(),
        },
    )
}

pub fn put(site: &Site, call: &Call<'_>) -> Result<Response, ApiError> {
    let replies = replies::parse(call.body.json::<SavedRepliesBody>()?)?;
    site.store.save_saved_replies(&replies)?;
    site.config_changed();
    let all = SavedReplies { replies };
    sockets::broadcast(
        &site.state,
        Tag::Devices,
        &frame::to_text(&DeviceEvent::SavedReplies(all.clone())),
    );
    respond::json(200, &all)
}
