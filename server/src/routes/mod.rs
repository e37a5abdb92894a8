//! The HTTP surface: `fn app(state) -> Router`.

mod agent;
mod links;
mod local_storage;
mod metrics;
pub mod openapi;
mod poster;
mod redirect;
mod send;
mod static_files;
mod telemetry;
mod telemetry_export;
mod tutorial;
pub(crate) mod uploads;
pub(crate) mod videos;
pub mod watch;
mod watch_pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use links::issue_capture_link;

use crate::error::{REQUEST_ID, envelope};
use crate::state::AppState;
use crate::{health, limits, ratelimit, security};

/// The `/api/v1` routes. `routes!` takes each handler's method and path from its
/// `#[utoipa::path]`, so a route and its OpenAPI operation are one registration.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(links::create))
        .routes(routes!(links::revoke))
        .routes(routes!(uploads::video_status))
        .routes(routes!(send::send))
        .routes(routes!(uploads::create))
        .routes(routes!(uploads::abort))
        .routes(routes!(poster::put))
        .routes(routes!(uploads::sign))
        .routes(routes!(uploads::list_parts))
        .routes(routes!(uploads::complete))
        .routes(routes!(agent::config))
        .routes(routes!(agent::create_link))
        .routes(routes!(telemetry::report))
        .routes(routes!(telemetry_export::export))
        .routes(routes!(telemetry_export::engagement))
        .routes(routes!(watch::revoke_share_link))
        .routes(routes!(tutorial::assets::create, tutorial::assets::list))
        .routes(routes!(tutorial::assets::get))
        .routes(routes!(tutorial::sign::sign_video_url))
        .routes(routes!(tutorial::sign::session_status))
        .routes(routes!(openapi::serve))
}

/// `/api/v1` routes that carry part bytes: the part timeout, not the API's.
fn api_part_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(uploads::tail::put))
}

/// Documented routes outside `/api/v1` that integrators use.
fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(videos::watch))
        .routes(routes!(videos::media))
        .routes(routes!(videos::poster))
        .routes(routes!(videos::hls))
        .routes(routes!(videos::hls_rendition))
        .routes(routes!(tutorial::link::open))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::serve))
}

/// The OpenAPI document of the routes [`app`] serves (at `/api/v1/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let doc = OpenApiRouter::<AppState>::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", api_routes().merge(api_part_routes()))
        .merge(public_routes())
        .into_openapi();
    openapi::finish(doc)
}

pub fn app(state: AppState) -> Router {
    let s = state.settings.clone();
    let dist = s.dist_dir.clone();
    crate::metrics::handle();
    let api = Router::from(api_routes())
        .fallback(|| async { crate::error::ApiError::NotFound("No such endpoint.".into()) })
        .layer(DefaultBodyLimit::max(s.json_body_limit))
        .layer(from_fn_with_state(
            Duration::from_secs(s.request_timeout_seconds),
            limits::api_timeout,
        ));
    // Merged after the API's timeout and JSON body limit, which would cut a tail
    // short on a slow uplink; the handler reads no more than the part it takes.
    let api = api.merge(
        Router::from(api_part_routes())
            .layer(DefaultBodyLimit::disable())
            .layer(from_fn_with_state(
                Duration::from_secs(s.part_timeout_seconds),
                limits::part_timeout,
            )),
    );
    let (put_part, get_object) =
        local_storage::handlers(state.store.clone().own_urls(), s.part_size);
    let put_part = put_part
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(
            s.part_size,
            local_storage::part_body_limit,
        ))
        .layer(from_fn_with_state(
            Duration::from_secs(s.part_timeout_seconds),
            limits::part_timeout,
        ));
    // The CSP names the origin of the URLs the store signs (S3, or this server).
    let storage_origin =
        crate::config::origin_of(&state.store.sign_get("csp-probe", Duration::ZERO));
    let index_html = std::fs::read_to_string(dist.join("index.html")).ok();
    let headers = security::SecurityHeaders::new(
        &s.frame_ancestors,
        storage_origin.as_deref(),
        index_html.as_deref(),
    );
    let limits = Arc::new(ratelimit::Limits::new(&s));
    let spa = tower::ServiceBuilder::new()
        .layer(from_fn_with_state(
            Duration::from_secs(s.static_max_age_seconds),
            static_files::headers,
        ))
        .service(static_files::service(&dist));
    let router = Router::new()
        .nest("/api/v1", api)
        .route("/storage/parts/{upload}/{part}", put_part)
        .route("/storage/objects/{*key}", get_object)
        .merge(public_routes())
        .route_layer(from_fn(metrics::tag_route))
        .fallback_service(spa)
        .with_state(state)
        .layer(from_fn_with_state(limits, ratelimit::limit))
        .layer(from_fn(envelope))
        .layer(from_fn(watch_pages::localize))
        .layer(from_fn_with_state(Arc::new(headers), security::add_headers));
    let router = match security::cors(&s.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(from_fn(metrics::track))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // Path only: queries carry tokens and signatures and are never logged.
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Validate an identifier we store and echo back: printable, bounded.
pub(crate) fn check_id(field: &str, value: &str, max: usize) -> Result<(), crate::error::ApiError> {
    use crate::error::ApiError;
    // Zero-width and other invisible characters alone do not make an id.
    let invisible = |c: char| {
        c.is_whitespace()
            || matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
    };
    if value.chars().all(invisible) {
        return Err(ApiError::field(
            field,
            format!("{field} must not be empty."),
        ));
    }
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("{field} must be at most {max} characters."),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(ApiError::field(
            field,
            format!("{field} must not contain control characters."),
        ));
    }
    Ok(())
}
