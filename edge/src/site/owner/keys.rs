//! `POST owner-key`: a new owner key, shown once; the old one stops working
//! at once (a key that leaked is rotated, not shared further).

use crate::auth::{self, OWNER_PREFIX};
use crate::bindings;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use crate::store::MetaKey;
use presenza_protocol::frame::close;
use presenza_protocol::view::OwnerKeyView;
use worker::Response;

pub async fn rotate(site: &Site, call: &Call<'_>) -> Result<Response, ApiError> {
    let owner_key = auth::make_token(OWNER_PREFIX, &bindings::random_bytes());
    site.store
        .meta_set(MetaKey::OwnerKeyHash, &auth::token_hash(&owner_key))?;
    // Team sockets opened with the old key end with it.
    sockets::close_tag(
        &site.state,
        Tag::Owners,
        close::REVOKED,
        "owner key rotated",
    );
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::json(200, &OwnerKeyView { owner_key })
}
