//! The agent side: signing an agent in to Genesys Cloud from the agent frame,
//! exchanging its token for a capture link, and sending a recorded answer.

use serde::{Deserialize, Serialize};

/// An agent sends a recorded answer to a customer on a channel: the server emits
/// `agent.video.send` for the Outbound_Video_Notification flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "targetChannel": "sms", "targetAddress": "+4915112345678",
    "subject": "Your video answer", "body": "Here is the answer to your question."
}))))]
#[serde(rename_all = "camelCase")]
pub struct SendVideoRequest {
    /// `sms`, `email`, `whatsapp` or `webmessaging`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub target_channel: String,
    /// A phone number in E.164 (`sms`, `whatsapp`), an email address, or a
    /// web-messaging conversation id.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub target_address: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub subject: Option<String>,
    /// Text sent with the share link; the link is appended by the server.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub body: Option<String>,
}

/// The seed's `agent.video.send` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentVideoSend {
    pub target_channel: String,
    pub target_address: String,
    /// The video id; people get the share link in `body`, never a storage URL.
    pub media_id: String,
    pub subject: String,
    pub body: String,
}

/// Genesys Cloud regions, by the `gcTargetEnv` an interaction widget is given. The
/// agent frame's endpoints accept only these: the region picks the login and API
/// hosts, so an arbitrary value would make us an open redirect.
pub const GENESYS_REGIONS: &[&str] = &[
    "mypurecloud.com",
    "use2.us-gov-pure.cloud",
    "usw2.pure.cloud",
    "cac1.pure.cloud",
    "mypurecloud.ie",
    "euw2.pure.cloud",
    "mypurecloud.de",
    "aps1.pure.cloud",
    "mypurecloud.jp",
    "apne2.pure.cloud",
    "mypurecloud.com.au",
    "sae1.pure.cloud",
    "mec1.pure.cloud",
    "euc2.pure.cloud",
    "apne3.pure.cloud",
];

/// What the agent frame needs to sign the agent in to Genesys Cloud (OAuth implicit grant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentConfig {
    /// The Genesys Cloud OAuth client (implicit grant) the frame signs in with.
    pub client_id: String,
    /// Where to send the agent: `{authorizeUrl}?response_type=token&client_id=…&redirect_uri=…`.
    pub authorize_url: String,
}

/// Exchange an agent's Genesys Cloud access token for a capture link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "conversationId": "3f2c8a9e-6b1d-4c7a-9e2f-0a1b2c3d4e5f", "gcTargetEnv": "mypurecloud.de"
}))))]
#[serde(rename_all = "camelCase")]
pub struct AgentCaptureLinkRequest {
    /// The Genesys Cloud conversation (`{{gcConversationId}}`), a UUID.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 36,
            max_length = 36,
            pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
        )
    )]
    pub conversation_id: String,
    /// The agent's Genesys Cloud region (`{{gcTargetEnv}}`).
    #[cfg_attr(feature = "openapi", schema(schema_with = gc_target_env_schema))]
    pub gc_target_env: String,
}

#[cfg(feature = "openapi")]
fn gc_target_env_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(GENESYS_REGIONS.iter().copied()))
        .description(Some(
            "The agent's Genesys Cloud region (`{{gcTargetEnv}}`).",
        ))
        .build()
}
