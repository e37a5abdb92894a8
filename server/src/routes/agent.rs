//! The agent frame (a Genesys Cloud interaction widget): it signs the agent in to
//! Genesys Cloud itself and exchanges the access token for a capture link, since a
//! page in the agent's browser cannot hold our API key.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use vidreply_core::protocol::{
    AgentCaptureLinkRequest, AgentConfig, CaptureLink, CaptureRole, CreateCaptureLinkRequest,
};

use super::openapi::{
    AgentFrameDisabled, BadInput, Forbidden, GenesysUnavailable, TooLarge, Unauthenticated,
    UnsupportedMediaType,
};
use crate::error::ApiError;
use crate::extract::{ApiJson, Bearer};
use crate::genesys::region;
use crate::state::AppState;

/// How the agent frame signs the agent in to Genesys Cloud.
///
/// The frame sends the agent to `authorizeUrl` with `response_type=token`, this
/// `clientId` and its own URL as `redirect_uri` (OAuth implicit grant), and gets the
/// access token back in the URL fragment.
#[utoipa::path(
    get,
    path = "/agent/config",
    tag = "agent frame",
    operation_id = "getAgentConfig",
    params(
        ("gcTargetEnv" = String, Query, description = "The agent's Genesys Cloud region \
          (`{{gcTargetEnv}}`), one of the regions listed for `AgentCaptureLinkRequest.gcTargetEnv`, \
          e.g. `mypurecloud.de`."),
    ),
    responses(
        (status = 200, description = "Where and as whom to sign in.", body = AgentConfig),
        (status = 400, response = BadInput),
        (status = 409, response = AgentFrameDisabled),
    ),
)]
pub async fn config(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<AgentConfig>, ApiError> {
    let genesys = &state.genesys;
    let client_id = genesys.client_id()?.to_string();
    let env = crate::extract::query_param(query.as_deref(), "gcTargetEnv").unwrap_or_default();
    let region = region("gcTargetEnv", &env)?;
    Ok(Json(AgentConfig {
        client_id,
        authorize_url: genesys.authorize_url(region).into(),
    }))
}

/// Exchange an agent's Genesys Cloud access token for a capture link.
///
/// The server asks Genesys Cloud, with the agent's token, that the token was issued to
/// the configured OAuth client and that the agent can see the conversation; then it
/// issues a capture link for that conversation, as `POST /capture-links` does, living
/// `VIDREPLY_AGENT_LINK_TTL_SECONDS`. A success is remembered for
/// `VIDREPLY_GENESYS_VERIFY_CACHE_SECONDS`.
#[utoipa::path(
    post,
    path = "/agent/capture-links",
    tag = "agent frame",
    operation_id = "createAgentCaptureLink",
    security(("genesysToken" = [])),
    request_body = AgentCaptureLinkRequest,
    responses(
        (status = 201, description = "The capture link.", body = CaptureLink),
        (status = 400, response = BadInput),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 409, response = AgentFrameDisabled),
        (status = 413, response = TooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 502, response = GenesysUnavailable),
    ),
)]
pub async fn create_link(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    ApiJson(req): ApiJson<AgentCaptureLinkRequest>,
) -> Result<(StatusCode, Json<CaptureLink>), ApiError> {
    state.genesys.client_id()?;
    let conversation = conversation_id(&req.conversation_id)?;
    let region = region("gcTargetEnv", &req.gc_target_env)?;
    let agent = state.genesys.verify(&token, region, &conversation).await?;
    let link = super::links::issue_link(
        &state,
        CreateCaptureLinkRequest {
            conversation_id: conversation,
            customer_id: None,
            expires_in_seconds: Some(state.genesys.settings().agent_link_ttl_seconds),
            role: CaptureRole::Agent,
        },
        Some(&agent.user_id),
    )?;
    tracing::info!(
        agent_user_id = %agent.user_id,
        conversation_id = %link.conversation_id,
        region,
        cached = agent.cached,
        token_id = %link.id,
        "agent capture link issued"
    );
    Ok((StatusCode::CREATED, Json(link)))
}

/// A Genesys conversation id: a UUID, written with hyphens; lower-cased, as Genesys
/// writes them, so the agent's link and the customer's name the same conversation.
fn conversation_id(value: &str) -> Result<String, ApiError> {
    let id = (value.len() == 36)
        .then(|| uuid::Uuid::try_parse(value).ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::field(
                "conversationId",
                "conversationId must be a Genesys Cloud conversation id (a UUID such as \
                 3f2c8a9e-6b1d-4c7a-9e2f-0a1b2c3d4e5f).",
            )
        })?;
    Ok(id.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_are_hyphenated_uuids() {
        let id = "3F2C8A9E-6B1D-4C7A-9E2F-0A1B2C3D4E5F";
        assert_eq!(
            conversation_id(id).unwrap(),
            "3f2c8a9e-6b1d-4c7a-9e2f-0a1b2c3d4e5f"
        );
        for bad in [
            "",
            "3f2c8a9e6b1d4c7a9e2f0a1b2c3d4e5f",
            "{3f2c8a9e-6b1d-4c7a-9e2f-0a1b2c3d4e5f}",
            "3f2c8a9e-6b1d-4c7a-9e2f-0a1b2c3d4e5g",
            "conv-123",
        ] {
            assert!(conversation_id(bad).is_err(), "{bad}");
        }
    }
}
