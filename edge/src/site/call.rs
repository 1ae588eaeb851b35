//! One HTTP call to the object, as handlers see it: the request, its body,
//! the CORS decision for the site's allowed origins, and the time.

use crate::cors::Decision;
use crate::domain::address::ClientAddress;
use crate::error::ApiError;
use crate::request::{self, Body};
use presenza_protocol::http::SESSION_HEADER;
use presenza_protocol::{SessionId, SiteId};
use worker::{Request, Url};

pub struct Call<'a> {
    pub req: &'a Request,
    pub url: &'a Url,
    pub body: Body,
    pub cors: Decision,
    pub now: i64,
}

impl Call<'_> {
    pub fn header(&self, name: &str) -> Option<String> {
        request::header(self.req, name)
    }

    /// 403 unless the page's origin may use the widget.
    pub fn widget_origin_allowed(&self) -> Result<(), ApiError> {
        if self.cors.allowed() {
            Ok(())
        } else {
            Err(ApiError::widget_origin_not_allowed())
        }
    }

    /// 426 unless the request asks for a WebSocket.
    pub fn upgrade(&self) -> Result<(), ApiError> {
        if request::is_upgrade(self.req) {
            Ok(())
        } else {
            Err(ApiError::UpgradeRequired)
        }
    }

    /// The client's address key on this site (see `ClientAddress`), when
    /// the platform gives the address.
    pub fn address_key(&self, site: &SiteId) -> Option<String> {
        ClientAddress::parse(self.header("CF-Connecting-IP").as_deref()).map(|a| a.key(site))
    }

    /// The agent's HTTP session of this call (`X-Presenza-Session`, else
    /// the default one).
    pub fn http_session(&self) -> Result<SessionId, ApiError> {
        match self.header(SESSION_HEADER) {
            None => Ok(SessionId::default_http()),
            Some(s) => SessionId::parse(s.trim()).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_session_id",
                    "X-Presenza-Session must be 1 to 64 characters A-Z a-z 0-9 _ -",
                )
            }),
        }
    }
}
