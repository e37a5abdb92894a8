//! Capture links: created by integrations (Genesys Data Actions, agent frames).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use vidreply_core::protocol::{CaptureLink, CreateCaptureLinkRequest};

use super::check_id;
use super::openapi::{BadInput, TooLarge, Unauthenticated, UnsupportedMediaType};
use crate::clock::unix_now;
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::state::AppState;
use crate::token::{Claims, Scope};

/// Create a capture link for a conversation.
///
/// The link opens the recorder; its `token` lets the holder upload videos for this
/// conversation only, until `expiresAt`. With `role: "agent"` the holder may also
/// send a video to a customer on a channel; a customer's link (the default) may not.
#[utoipa::path(
    post,
    path = "/capture-links",
    tag = "capture links",
    operation_id = "createCaptureLink",
    security(("apiKey" = [])),
    request_body = CreateCaptureLinkRequest,
    responses(
        (status = 201, description = "The capture link.", body = CaptureLink),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    ApiJson(req): ApiJson<CreateCaptureLinkRequest>,
) -> Result<(StatusCode, Json<CaptureLink>), ApiError> {
    state.check_api_key(&key)?;
    Ok((StatusCode::CREATED, Json(issue_capture_link(&state, req)?)))
}

/// Validate the request and sign a record-scoped token into a link.
pub fn issue_capture_link(
    state: &AppState,
    req: CreateCaptureLinkRequest,
) -> Result<CaptureLink, ApiError> {
    issue_link(state, req, None)
}

/// As [`issue_capture_link`], for an agent the agent frame signed in as
/// `genesys_user` (its sends are counted per agent).
pub(super) fn issue_link(
    state: &AppState,
    req: CreateCaptureLinkRequest,
    genesys_user: Option<&str>,
) -> Result<CaptureLink, ApiError> {
    check_id("conversationId", &req.conversation_id, 128)?;
    if let Some(c) = &req.customer_id {
        check_id("customerId", c, 256)?;
    }
    let s = &state.settings;
    let ttl = req.expires_in_seconds.unwrap_or(s.capture_link_ttl_seconds);
    if !(60..=s.capture_link_max_ttl_seconds).contains(&ttl) {
        return Err(ApiError::field(
            "expiresInSeconds",
            format!(
                "expiresInSeconds must be between 60 and {}.",
                s.capture_link_max_ttl_seconds
            ),
        ));
    }
    let now = unix_now();
    let claims = Claims {
        sub: req.conversation_id.clone(),
        cus: req.customer_id.clone(),
        scope: Scope::Record,
        iat: now,
        exp: now + ttl,
        jti: uuid::Uuid::new_v4().to_string(),
        rol: req.role,
        vid: None,
        sid: None,
        agt: genesys_user.map(str::to_string),
    };
    let token = state.tokens.issue(&claims);
    let mut url = state.urls().record();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("conversationId", &req.conversation_id);
        if let Some(c) = &req.customer_id {
            q.append_pair("customerId", c);
        }
        q.append_pair("token", &token);
    }
    Ok(CaptureLink {
        id: claims.jti.clone(),
        url: url.into(),
        token,
        conversation_id: req.conversation_id,
        customer_id: req.customer_id,
        expires_at: claims.exp,
        role: req.role,
    })
}

/// Revoke a capture link: its token is refused from now on, even mid-upload.
#[utoipa::path(
    delete,
    path = "/capture-links/{id}",
    tag = "capture links",
    operation_id = "revokeCaptureLink",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The capture link's `id`.")),
    responses(
        (status = 204, description = "Revoked (also when it already was)."),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    Bearer(key): Bearer,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    state.check_api_key(&key)?;
    check_id("id", &id, 64)?;
    let now = unix_now() as i64;
    // Tokens never outlive the longest TTL, so the row need not either.
    let until = now + state.settings.capture_link_max_ttl_seconds as i64;
    state.db.revoke_token(&id, now, until).await?;
    tracing::info!(token_id = %id, "capture link revoked");
    Ok(StatusCode::NO_CONTENT)
}
