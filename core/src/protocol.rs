//! JSON shapes of the `/api/v1` API, shared by browser and server.
//!
//! Field names are camelCase on the wire. Times are unix seconds unless the
//! name says otherwise.

use serde::{Deserialize, Serialize};

use crate::vocab::VideoStatus;

mod agent;
mod roles;
mod telemetry;
mod tutorial;
mod watch_page;
pub use agent::*;
pub use roles::*;
pub use telemetry::*;
pub use tutorial::*;
pub use watch_page::*;

/// ETags compare without their quotes (S3 quotes them; some clients strip them).
pub fn etag_eq(a: &str, b: &str) -> bool {
    a.trim().trim_matches('"') == b.trim().trim_matches('"')
}

/// S3's hard limit on the number of parts in one multipart upload.
pub const MAX_PARTS: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "conversationId": "conv-123", "customerId": "cust-9", "expiresInSeconds": 86400
}))))]
#[serde(rename_all = "camelCase")]
pub struct CreateCaptureLinkRequest {
    /// The conversation the video belongs to (e.g. the Genesys conversation id):
    /// printable, no control characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub conversation_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub customer_id: Option<String>,
    /// How long the link stays usable; the server bounds it by its settings.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 60))]
    pub expires_in_seconds: Option<u64>,
    /// Who records with the link: a `customer` (the default) records and sends
    /// replies into this conversation only; an `agent` may also send a video on a
    /// channel (`POST /videos/{id}/send`) and gets the agent screens.
    #[serde(default)]
    pub role: CaptureRole,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CaptureLink {
    /// Names the link for revocation: `DELETE /api/v1/capture-links/{id}`.
    pub id: String,
    /// The link to send to the person who records. Carries a signed, scoped token.
    pub url: String,
    pub token: String,
    pub conversation_id: String,
    pub customer_id: Option<String>,
    pub expires_at: u64,
    /// The role the link's token carries.
    #[serde(default)]
    pub role: CaptureRole,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "mimeType": "video/webm;codecs=vp9,opus"
}))))]
#[serde(rename_all = "camelCase")]
pub struct CreateUploadRequest {
    /// The MediaRecorder type, e.g. `video/webm;codecs=vp9,opus`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 255))]
    pub mime_type: String,
    /// Size of an existing file being sent, when known up front (a picked file);
    /// refused at once if over the limit. Recordings leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadSession {
    pub upload_id: String,
    /// Every part but the last must be exactly this many bytes.
    pub part_size: u64,
    pub max_parts: u32,
    /// Largest accepted recording, in bytes.
    pub max_bytes: u64,
    /// Longest accepted recording, in milliseconds (the recorder stops there; the
    /// server checks it again on complete and after processing measures it).
    #[serde(default)]
    pub max_duration_ms: Option<u64>,
    pub expires_at: u64,
    /// Part uploads to run at once (at most 6, the browser's per-host limit).
    #[serde(default = "default_parallelism")]
    pub parallelism: u32,
    /// Backoff and attempts the uploader uses.
    #[serde(default)]
    pub retry: crate::policy::RetryPolicy,
}

fn default_parallelism() -> u32 {
    4
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "partNumbers": [1, 2] }))))]
#[serde(rename_all = "camelCase")]
pub struct SignPartsRequest {
    /// Part numbers to sign, 1 to 10000, at most 100 at once.
    #[cfg_attr(feature = "openapi", schema(schema_with = part_numbers_schema))]
    pub part_numbers: Vec<u32>,
    /// The bytes each part will hold, in the order of `partNumbers` (1 to `partSize`).
    /// Each URL is signed for exactly that many bytes: S3 refuses a PUT of any other
    /// length. Left out, every part is signed for `partSize` bytes (or what is left
    /// of the upload's limit), so the shorter last part needs its size here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub part_sizes: Vec<u64>,
}

#[cfg(feature = "openapi")]
fn part_numbers_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int32,
                )))
                .minimum(Some(1))
                .maximum(Some(MAX_PARTS)),
        )
        .min_items(Some(1))
        .max_items(Some(100))
        .description(Some(
            "Part numbers to sign, 1 to 10000, at most 100 at once.",
        ))
        .build()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignedPart {
    pub part_number: u32,
    /// PUT the part's bytes here. Short-lived; ask again when it expires.
    pub url: String,
    /// Unix milliseconds after which the URL is refused (by the server's clock).
    pub expires_at_ms: u64,
    /// The URL's life from when it was signed, so a browser whose clock is off
    /// still knows how long it may use it.
    #[serde(default)]
    pub expires_in_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignPartsResponse {
    pub parts: Vec<SignedPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CompletedPart {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub part_number: u32,
    /// The `ETag` storage answered the part's PUT with (quotes optional).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub etag: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "parts": [
        { "partNumber": 1, "etag": "\"9b2cf535f27731c974343645a3985328\"" },
        { "partNumber": 2, "etag": "\"6f5902ac237024bdd0c176cb93063dc4\"" }
    ],
    "totalBytes": 5243904,
    "durationMs": 12400
}))))]
#[serde(rename_all = "camelCase")]
pub struct CompleteUploadRequest {
    /// Every part, numbered 1, 2, 3… in order.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10000))]
    pub parts: Vec<CompletedPart>,
    /// Total bytes the browser recorded; checked against the stored parts.
    #[serde(default)]
    pub total_bytes: Option<u64>,
    /// Recorded duration measured by the browser, in milliseconds.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadedPart {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListPartsResponse {
    pub parts: Vec<UploadedPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Video {
    pub video_id: String,
    /// A link on our server (the link resolver), never a storage URL.
    pub media_url: String,
    pub mime_type: String,
    pub size: u64,
    /// Seconds.
    pub duration: Option<f64>,
    /// `processing`, `ready` (playable, `video.received` sent) or `failed`.
    // The schema stays a string: the values are the doc line above.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(default = "processing")]
    pub status: VideoStatus,
    /// Why processing failed, when it did: a stable code and a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ProcessingFailure>,
}

fn processing() -> VideoStatus {
    VideoStatus::Processing
}

// Why processing a video failed; a failed request is `crate::Failure`. The schema
// keeps its published name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Failure))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessingFailure {
    pub code: String,
    pub message: String,
}

/// The `video.received` webhook payload: the seed's fields, then what Architect
/// needs to route it (the `hasVideoAttachment` attribute, queue hints) and when
/// retention deletes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VideoReceived {
    pub conversation_id: String,
    /// Our link resolver's share link, never a storage URL.
    pub media_url: String,
    /// Our poster link, never a storage URL.
    pub thumbnail_url: Option<String>,
    /// Seconds, as measured by processing.
    pub duration: f64,
    pub customer_id: Option<String>,
    /// The type the browser recorded.
    pub mime_type: String,
    pub video_id: String,
    /// Always true: the participant attribute the Video_Ingestion_Webhook flow sets.
    pub has_video_attachment: bool,
    pub routing: RoutingHints,
    /// RFC 3339 time after which the video and its renditions are deleted.
    pub retention_expires: String,
}

/// Where Architect should route the conversation for review.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingHints {
    /// The queue that reviews video replies, `Async_Video_Review` by default.
    pub queue_name: String,
    /// The interaction's media type for routing.
    pub media_type: String,
    /// Conversation attributes to set, e.g. `hasVideoAttachment`.
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// Every error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Stable, machine-readable code, e.g. `invalid_field`.
    #[cfg_attr(feature = "openapi", schema(example = "invalid_field"))]
    pub code: String,
    /// For a person; names the field when one is at fault.
    pub message: String,
    /// The field at fault, as a path into the body: `parts[0].partNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Equals the response's `x-request-id` header and the server's log lines.
    pub request_id: String,
}
