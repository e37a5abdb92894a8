//! The tutorial link a caller receives: `/t/{asset}?conversationId=…&session=…&token=…`.
//! It checks the token, records that the session was opened (and from what kind of
//! device), and serves the asset's watch page in the caller's conversation and session.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use vidreply_core::vocab::VideoStatus;

use super::super::watch::{
    Unavailable, admit_visit, serve_watch_page, unavailable, unavailable_page,
};
use super::{LINK_KIND, LinkClaims, channel_hint};
use crate::clock::{unix_now, unix_now_ms};
use crate::error::ApiError;
use crate::extract::query_param;
use crate::ratelimit::ClientIp;
use crate::state::AppState;

/// A tutorial link: the watch page of a tutorial asset.
///
/// Made by `POST /api/v1/media/sign-video-url`. It works on any device until the
/// token expires; then it shows a "link expired" page (410). A token that is not
/// ours, or query parameters that do not match it, show a "not found" page (404 or
/// 403). The page never redirects anywhere.
#[utoipa::path(
    get,
    path = "/t/{asset}",
    tag = "tutorials",
    operation_id = "openTutorialLink",
    params(
        ("asset" = String, Path, description = "The tutorial asset."),
        ("conversationId" = String, Query, description = "The conversation the link was signed for."),
        ("session" = String, Query, description = "The session (`session_token`) the link was signed for."),
        ("token" = String, Query, description = "The link's signed token."),
    ),
    responses(
        (status = 200, description = "The watch page.", body = String, content_type = "text/html"),
        (status = 403, description = "A page: the link's parameters do not match its token.", body = String, content_type = "text/html"),
        (status = 404, description = "A page: the link is not valid, or the tutorial no longer exists.", body = String, content_type = "text/html"),
        (status = 410, description = "A page: the link has expired; ask for a new one.", body = String, content_type = "text/html"),
    ),
)]
pub async fn open(
    State(state): State<AppState>,
    Path(asset): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> Result<Response, ApiError> {
    let q = query.as_deref();
    let missing = || unavailable_page(StatusCode::NOT_FOUND, Unavailable::Missing);
    let Some(token) = query_param(q, "token") else {
        return Ok(missing());
    };
    let claims = match state.tokens.verify_other::<LinkClaims>(&token) {
        Ok(c) if c.typ == LINK_KIND => c,
        Err(ApiError::TokenExpired(_)) => {
            return Ok(unavailable_page(StatusCode::GONE, Unavailable::Expired));
        }
        _ => return Ok(missing()),
    };
    let matches = claims.ast == asset
        && query_param(q, "conversationId").as_deref() == Some(claims.sub.as_str())
        && query_param(q, "session").as_deref() == Some(claims.ses.as_str());
    if !matches {
        return Ok(unavailable_page(
            StatusCode::FORBIDDEN,
            Unavailable::Missing,
        ));
    }
    let video = match state.db.video(&claims.ast).await? {
        Some(v) if v.status == VideoStatus::Ready && state.db.asset(&v.id).await?.is_some() => v,
        _ => return Ok(missing()),
    };
    if let Some(kind) = unavailable(&video, unix_now() as i64) {
        return Ok(unavailable_page(StatusCode::GONE, kind));
    }
    // Keyed by the caller's session, not the asset: one tutorial serves many callers.
    let visit = admit_visit(&state, ip.map(|e| e.0), &claims.ses);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let hint = channel_hint(ua);
    if state
        .db
        .tutorial_opened(&claims.ses, unix_now_ms() as i64, hint)
        .await?
    {
        tracing::info!(asset_id = %claims.ast, channel_hint = hint, "tutorial link opened");
    }
    serve_watch_page(&state, &video, &claims.sub, Some(&claims.ses), visit).await
}
