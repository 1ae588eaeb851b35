//! `GET widget-config?group=`: the widget's look, language and texts, with
//! the audience's status. A widget paints its launcher from this one answer
//! (a plain GET on the connection that brought its files) and opens its
//! live socket afterwards, off the paint's path; and a set-up mistake (a
//! site id or a group that does not exist: 404 `site_not_found`,
//! `unknown_group`) shows here, readable by the page, before any socket is
//! opened for it. It also tells the owner's checklist where the widget
//! is live (`seen`). A page of an origin the site does not allow gets a 403
//! `origin_not_allowed` it can read (CORS for that origin, the error only),
//! naming the origin: the widget hides and tells the owner on the console.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use presenza_protocol::view::WidgetConfigView;
use presenza_protocol::GroupId;
use worker::Response;

pub async fn get(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    if !call.cors.allowed() {
        let origin = call.header("Origin").unwrap_or_default();
        let err = ApiError::widget_origin_refused(&origin);
        return Ok(respond::error(
            &err,
            &[("Access-Control-Allow-Origin", origin)],
        )?);
    }
    cfg.check_group(group)?;
    super::seen::record(site, cfg, call);
    let snap = site.settle(Change::Read, call.now).await?;
    let status = snap
        .audience(group)
        .ok_or_else(|| ApiError::unknown_group(group.map_or("", GroupId::as_str)))?;
    respond::json(
        200,
        &WidgetConfigView {
            widget: cfg.widget.clone(),
            status: Some(status.clone()),
        },
    )
}
