//! `DELETE visitors/{id}`: erases one visitor's data on the owner's request
//! (a right-to-erasure request): their conversations, messages and contact
//! details. Their open widgets are closed; agents' devices forget the
//! conversations at once.

use crate::error::ApiError;
use crate::respond;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use presenza_protocol::frame::{self, DeviceEvent};
use presenza_protocol::VisitorId;
use worker::Response;

pub fn erase(site: &Site, id: &VisitorId) -> Result<Response, ApiError> {
    let conversation_ids = site
        .store
        .erase_visitor(id)?
        .ok_or_else(ApiError::visitor_not_found)?;
    sockets::close_visitor(&site.state, id);
    site.relays.erase(site, id)?;
    site.tallies.visitors_closed_by_us();
    if !conversation_ids.is_empty() {
        let text = frame::to_text(&DeviceEvent::Erased { conversation_ids });
        sockets::broadcast(&site.state, Tag::Devices, &text);
    }
    respond::no_content()
}
