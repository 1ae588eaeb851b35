//! What widgets call (public, no token): an audience's status, the visitor
//! socket, the widget's look, and the visitor's own conversation (the
//! visitor credential authenticates it).

mod config;
mod context;
mod live;
mod picture;
mod seen;
pub mod send;
pub mod socket;
pub mod status;
mod thread;
mod transcript;

use crate::error::ApiError;
use crate::respond;
use crate::route::VisitorOp;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::state::Site;
use worker::Response;

pub async fn serve(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    op: VisitorOp,
) -> Result<Response, ApiError> {
    match op {
        VisitorOp::Status { group } => status::get(site, cfg, call, group.as_ref()).await,
        VisitorOp::Live { group, visitor } => live::open(site, cfg, call, group, visitor).await,
        VisitorOp::WidgetConfig { group } => config::get(site, cfg, call, group.as_ref()).await,
        VisitorOp::Messages { after } => thread::get(site, call, after),
        VisitorOp::Send => send::post(site, cfg, call).await,
        VisitorOp::Transcript => transcript::post(site, cfg, call).await,
        VisitorOp::Picture { agent, version } => {
            picture::get(site, call, &agent, version.as_deref())
        }
        VisitorOp::Unsubscribe(code) => {
            let email = crate::site::mail::unsubscribe_address(site, cfg, &code, call.now)?;
            respond::json(
                200,
                &presenza_protocol::view::Unsubscribed {
                    email,
                    unsubscribed: true,
                },
            )
        }
    }
}
