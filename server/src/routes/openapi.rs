//! The OpenAPI document of the HTTP surface, served at `GET /api/v1/openapi.json`.
//!
//! Schemas come from `vidreply-core` (its `openapi` feature), operations from the
//! `#[utoipa::path]` annotations on the handlers, and `routes!` in `routes/mod.rs`
//! registers each handler's route and operation together, so the document cannot
//! list a route the server lacks. `server/tests/openapi.rs` checks the rest, and
//! that `docs/openapi.json` is current.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};
use vidreply_core::protocol::{
    ContextMessage, ErrorBody, ErrorEnvelope, MessageContext, VideoReceived, VideoViewed,
};

use crate::error::REQUEST_ID;

/// Every `error.code` the server answers with. `ApiError::code_and_status` and the
/// framework errors of `error::envelope` are the sources; a unit test below keeps
/// this list complete.
pub const ERROR_CODES: &[&str] = &[
    "invalid_field",
    "bad_request",
    "bad_digest",
    "unauthenticated",
    "token_expired",
    "token_revoked",
    "forbidden",
    "not_found",
    "gone",
    "method_not_allowed",
    "conflict",
    "part_missing",
    "size_mismatch",
    "too_large",
    "unsupported_media_type",
    "not_a_video",
    "storage_rejected",
    "storage_unavailable",
    "rate_limited",
    "quota_exceeded",
    "timeout",
    "not_ready",
    "agent_frame_disabled",
    "genesys_unavailable",
    "internal",
];

/// Security scheme names used by the handlers' `security(...)` annotations.
pub const API_KEY: &str = "apiKey";
pub const CAPTURE_TOKEN: &str = "captureToken";
pub const GENESYS_TOKEN: &str = "genesysToken";
pub const WATCH_TOKEN: &str = "watchToken";
pub const WATCH_TOKEN_QUERY: &str = "watchTokenQuery";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "vidreply API",
        version = "1",
        description = "Capture links, resumable multipart video uploads and share links.\n\n\
            Every error answers `{\"error\": {\"code\", \"message\", \"field\"?, \"requestId\"}}` \
            with a stable `code`; every response carries `x-request-id`. Bad input gets a 4xx \
            naming the field, never a 5xx.",
        license(name = "UNLICENSED"),
    ),
    modifiers(&Security),
    components(
        schemas(
            ErrorEnvelope,
            ErrorBody,
            VideoReceived,
            VideoViewed,
            ContextMessage,
            MessageContext
        ),
        responses(
            BadInput,
            Unauthenticated,
            Forbidden,
            NotFound,
            Gone,
            Conflict,
            TooLarge,
            UnsupportedMediaType,
            Unprocessable,
            StorageUnavailable,
            RateLimited,
            QuotaExceeded,
            NotReady,
            AgentFrameDisabled,
            GenesysUnavailable,
            SignedRedirect
        ),
    ),
    tags(
        (name = "capture links", description = "Links that let a person record a video for one conversation. Called by integrations (Genesys Data Actions, agent frames) with the API key."),
        (name = "uploads", description = "Resumable multipart uploads, driven by the recorder with the capture token from its link. Part bytes go to the signed `url`s, not to this API."),
        (name = "agent frame", description = "The recorder in a Genesys Cloud interaction widget: it signs the agent in to Genesys Cloud (OAuth implicit grant) and exchanges the agent's access token for a capture link of the conversation."),
        (name = "videos", description = "The link resolver: share links that never go stale while the video exists, and their withdrawal. Public, no authentication, except withdrawing (the API key)."),
        (name = "telemetry", description = "What viewers really watched: the watch page reports events with its watch token; integrations export them and read per-video engagement with the API key."),
        (name = "tutorials", description = "Tutorial delivery for the IVR (Genesys Architect Data Actions): tutorial assets managed with the API key, links signed for a caller's session, the link itself (`/t/{asset}`), and the session's status for the flow's \"offered but not viewed\" branch. The first real playback posts the `context.message` webhook (`ContextMessage`) to the conversation."),
        (name = "meta", description = "Health and this document."),
    ),
)]
pub struct ApiDoc;

/// Security schemes, and the closed list of error codes.
struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The integration API key (`VIDREPLY_API_KEY`, or the `api-key` file in \
                         the data folder), sent as `Authorization: Bearer <API key>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            CAPTURE_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `token` of a capture link (an HS256 JWT scoped to `record` and to \
                         one conversation), sent as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            GENESYS_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An agent's Genesys Cloud access token, from the OAuth client \
                         `VIDREPLY_GENESYS_CLIENT_ID` (implicit grant), sent as \
                         `Authorization: Bearer <token>`; checked with Genesys Cloud, never stored.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            WATCH_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `token` of a watch link (an HS256 JWT scoped to `watch` and to one \
                         conversation), sent as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            WATCH_TOKEN_QUERY,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "The watch link's token as the `token` query parameter, for \
                 `navigator.sendBeacon`, which cannot set headers.",
            ))),
        );
        if let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut("ErrorBody")
            && let Some(RefOr::T(Schema::Object(code))) = body.properties.get_mut("code")
        {
            code.enum_values = Some(ERROR_CODES.iter().map(|c| json!(c)).collect());
        }
    }
}

/// A documented error answer: the envelope schema and one example per code.
fn error_response(description: &str, examples: &[(&str, &str, Option<&str>)]) -> RefOr<Response> {
    let mut content =
        ContentBuilder::new().schema(Some(Ref::from_schema_name(ErrorEnvelope::name())));
    if let [(code, message, field)] = examples {
        content = content.example(Some(envelope_example(code, message, *field)));
    } else {
        content = content.examples_from_iter(examples.iter().map(|(code, message, field)| {
            (
                *code,
                ExampleBuilder::new()
                    .value(Some(envelope_example(code, message, *field)))
                    .build(),
            )
        }));
    }
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content.build())
        .build()
        .into()
}

fn envelope_example(code: &str, message: &str, field: Option<&str>) -> Value {
    let mut error = json!({
        "code": code,
        "message": message,
        "requestId": "6f0d7a53-2a4c-4f7e-9a51-0c1b8e2d9f10",
    });
    if let Some(f) = field {
        error["field"] = json!(f);
    }
    json!({ "error": error })
}

/// The answer of every `/v/{id}/…` file link: a temporary redirect to a freshly signed
/// storage URL that is never cached.
pub struct SignedRedirect;

impl<'s> ToResponse<'s> for SignedRedirect {
    fn response() -> (&'s str, RefOr<Response>) {
        let header = |d: &str| {
            HeaderBuilder::new()
                .schema(Object::with_type(Type::String))
                .description(Some(d))
                .build()
        };
        let r = ResponseBuilder::new()
            .description(
                "Redirect to a storage URL that lives `VIDREPLY_PRESIGN_TTL_SECONDS`. Not cached for \
                 customer videos; for tutorial assets the URL is reused within a time bucket of half \
                 that TTL and may be cached until the bucket ends.",
            )
            .header("location", header("The signed storage URL."))
            .header(
                "cache-control",
                header("`no-store`; for tutorial assets `private, max-age=<seconds left in the bucket>`."),
            )
            .build();
        ("SignedRedirect", r.into())
    }
}

/// Reusable error responses (`components/responses`), referenced by the handlers.
macro_rules! error_responses {
    ($($name:ident => $description:literal [$(($code:literal, $message:literal $(, $field:literal)?)),+ $(,)?];)+) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let examples: &[(&str, &str, Option<&str>)] =
                    &[$(($code, $message, None$(.or(Some($field)))?)),+];
                (stringify!($name), error_response($description, examples))
            }
        }
    )+};
}

error_responses! {
    BadInput => "The body or a parameter is wrong. `invalid_field` names the field at fault in `field` (a path such as `parts[0].partNumber`); `bad_request` means the body is not JSON; `bad_digest` means part bytes did not match their `Content-MD5` (changed on the way: send them again)." [
        ("invalid_field", "parts[0].partNumber: invalid type: string \"one\", expected u32", "parts[0].partNumber"),
        ("bad_request", "The body is not valid JSON: expected value"),
        ("bad_digest", "Content-MD5: the body does not match it; it changed on the way. Send it again."),
    ];
    Unauthenticated => "No valid credential: the `Authorization: Bearer` header is missing or wrong (`unauthenticated`), or the capture link has expired (`token_expired`) or was revoked (`token_revoked`)." [
        ("unauthenticated", "Missing Authorization: Bearer header."),
        ("token_expired", "This link has expired. Ask for a new link."),
        ("token_revoked", "This link was withdrawn. Ask for a new link."),
    ];
    Forbidden => "The credential is valid but does not allow this: an upload started through another link (a capture token acts only on its own uploads), another conversation's video, or a token of another scope." [
        ("forbidden", "This link does not allow access to that upload."),
    ];
    NotFound => "The upload or video does not exist; or the upload has expired or was cancelled." [
        ("not_found", "Upload 2c4b0a1e-5d7f-4c8e-9b3a-1f2e3d4c5b6a does not exist."),
    ];
    Gone => "The video's share link was withdrawn, or the video is past its retention." [
        ("gone", "This video is no longer available."),
    ];
    Conflict => "The upload's state does not allow this now: already complete or being completed (`conflict`), a listed part is not on the server or differs (`part_missing`; upload it and complete again), or the sizes disagree (`size_mismatch`)." [
        ("conflict", "This upload is already complete."),
        ("part_missing", "Part 2 is not on the server; upload it, then complete again."),
        ("size_mismatch", "The parts hold 5243904 bytes, but totalBytes says 5243000."),
    ];
    TooLarge => "The request body is larger than 64 KiB, or the recording is larger than the server's limit." [
        ("too_large", "The request body is too large."),
    ];
    UnsupportedMediaType => "The body was not sent as `Content-Type: application/json`." [
        ("unsupported_media_type", "Send the body as JSON with Content-Type: application/json."),
    ];
    Unprocessable => "The uploaded object is not a video of the declared type (`not_a_video`; the upload ends), or storage refused to assemble it (`storage_rejected`)." [
        ("not_a_video", "The uploaded file is not a webm video."),
        ("storage_rejected", "Storage refused the upload (EntityTooSmall)."),
    ];
    StorageUnavailable => "Video storage is unavailable; retry later. The upload is kept." [
        ("storage_unavailable", "Video storage is unavailable; try again shortly."),
    ];
    RateLimited => "Too many requests from this address or with this capture token; retry after `Retry-After` seconds." [
        ("rate_limited", "Too many requests; retry in 1 s."),
    ];
    QuotaExceeded => "Too many requests (`rate_limited`), or a quota is spent (`quota_exceeded`: a capture link's open uploads or stored bytes, or the sends of a token or of a video; the message names the quota and its setting). Retry after `Retry-After` seconds; for an upload quota, finish or cancel an open upload first." [
        ("quota_exceeded", "This link already has 3 uploads in progress, the most one link may have (VIDREPLY_TOKEN_MAX_OPEN_UPLOADS); finish or cancel one first."),
        ("rate_limited", "Too many requests; retry in 1 s."),
    ];
    NotReady => "The database or video storage does not answer, or the server is shutting down." [
        ("not_ready", "The server is shutting down."),
    ];
    AgentFrameDisabled => "The agent frame is not set up: an administrator must set `VIDREPLY_GENESYS_CLIENT_ID`." [
        ("agent_frame_disabled", "The agent frame is not set up: an administrator must set VIDREPLY_GENESYS_CLIENT_ID (genesys_client_id) to the Genesys Cloud OAuth client (implicit grant) it signs agents in with."),
    ];
    GenesysUnavailable => "Genesys Cloud did not answer (no connection, a timeout, 429 or 5xx); retry shortly." [
        ("genesys_unavailable", "Genesys Cloud did not answer; try again shortly."),
    ];
}

/// Finish a document built from the routes: every response carries `x-request-id`.
pub(super) fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let header = || {
        HeaderBuilder::new()
            .schema(Object::with_type(Type::String))
            .description(Some(
                "Identifies the request in the server's logs; equals `error.requestId`.",
            ))
            .build()
    };
    let add = |r: &mut RefOr<Response>| {
        if let RefOr::T(r) = r {
            r.headers.insert(REQUEST_ID.into(), header());
        }
    };
    // Every call but the probes and metrics is rate limited (crate::ratelimit).
    let limited = |path: &str| !matches!(path, "/healthz" | "/readyz" | "/metrics");
    for (path, item) in api.paths.paths.iter_mut() {
        let limited = limited(path);
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            if limited {
                // An operation that documents its own 429 (a quota) keeps it.
                op.responses
                    .responses
                    .entry("429".into())
                    .or_insert_with(|| {
                        RefOr::Ref(utoipa::openapi::Ref::from_response_name("RateLimited"))
                    });
            }
            op.responses.responses.values_mut().for_each(add);
        }
    }
    if let Some(c) = api.components.as_mut() {
        c.responses.values_mut().for_each(add);
    }
    api
}

/// The OpenAPI 3.1 document of this server (this very document).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    operation_id = "getOpenApi",
    responses(
        (status = 200, description = "The OpenAPI document; `docs/openapi.json` in the repository is a copy.", body = Value, content_type = "application/json"),
    ),
)]
pub async fn serve() -> impl IntoResponse {
    static DOC: LazyLock<String> = LazyLock::new(|| {
        let mut json = super::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes");
        json.push('\n');
        json
    });
    ([(header::CONTENT_TYPE, "application/json")], DOC.as_str())
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;
