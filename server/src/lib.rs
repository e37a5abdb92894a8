//! vidreply companion server.
#![forbid(unsafe_code)]

pub mod addresses;
pub mod clock;
pub mod config;
pub mod connections;
pub mod db;
pub mod error;
pub mod extract;
pub mod genesys;
pub mod health;
pub mod jobs;
pub mod limits;
pub mod media;
pub mod metrics;
pub mod outbox;
pub mod processing;
pub mod ratelimit;
pub mod retention;
pub mod routes;
pub mod secrets;
pub mod security;
pub mod shutdown;
pub mod sign_cache;
pub mod state;
pub mod storage;
pub mod timing;
pub mod token;
pub mod visits;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

pub use config::{S3_MIN_PART_SIZE, Settings};
pub use routes::app;
pub use state::AppState;

use config::StorageKind;
use storage::{Backend, LocalStore, S3Config, S3Store};

/// Build the application state from settings: secrets, database, storage, webhooks.
pub async fn build_state(settings: Settings) -> Result<AppState, String> {
    let data = settings.data_dir.clone();
    std::fs::create_dir_all(&data)
        .map_err(|e| format!("cannot create data folder {}: {e}", data.display()))?;
    let api_key = secrets::load_or_create(settings.api_key.as_deref(), &data, "api-key")
        .map_err(|e| format!("api key: {e}"))?;
    let from_file = |given: &Option<String>, name: &str, e: String| match given {
        Some(_) => e,
        None => format!("{e} (read from {})", data.join(name).display()),
    };
    secrets::check_api_key(&api_key).map_err(|e| from_file(&settings.api_key, "api-key", e))?;
    let signing =
        secrets::load_or_create(settings.signing_secret.as_deref(), &data, "signing-secret")
            .map_err(|e| format!("signing secret: {e}"))?;
    secrets::check_signing_secret(&signing)
        .map_err(|e| from_file(&settings.signing_secret, "signing-secret", e))?;
    settings.validate()?;
    settings.media_limits.seal_data_dir(&data)?;
    let db_url = settings
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data.join("vidreply.db").display()));
    let db = db::connect(&db_url)
        .await
        .map_err(|e| format!("database: {e}"))?;
    let store: Arc<dyn Backend> = match settings.storage {
        StorageKind::Local => Arc::new(LocalStore::new(
            data.join("storage"),
            settings.public_url(),
            signing.as_bytes(),
        )),
        StorageKind::S3 => {
            let need = |v: &Option<String>, name: &str| {
                v.clone()
                    .ok_or_else(|| format!("{name} is required with VIDREPLY_STORAGE=s3"))
            };
            let cfg = S3Config {
                endpoint: settings
                    .s3_endpoint
                    .clone()
                    .ok_or("VIDREPLY_S3_ENDPOINT is required with VIDREPLY_STORAGE=s3")?,
                region: settings.s3_region.clone(),
                bucket: need(&settings.s3_bucket, "VIDREPLY_S3_BUCKET")?,
                access_key_id: need(&settings.s3_access_key_id, "VIDREPLY_S3_ACCESS_KEY_ID")?,
                secret_access_key: need(
                    &settings.s3_secret_access_key,
                    "VIDREPLY_S3_SECRET_ACCESS_KEY",
                )?,
                path_style: settings.s3_path_style,
            };
            Arc::new(S3Store::new(&cfg)?)
        }
    };
    let media_settings = processing::media_settings(&settings)?;
    let endpoints = settings
        .webhook_endpoints()?
        .into_iter()
        .map(|c| {
            let secrets: Vec<&str> = c.secrets.iter().map(String::as_str).collect();
            webhook::WebhookEndpoint::new(&c.id, c.url, &secrets)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outbox = (!endpoints.is_empty())
        .then(|| outbox::Outbox::new(db.clone(), endpoints, &settings.webhook_schedule));
    let genesys = Arc::new(genesys::Genesys::new(settings.genesys.clone())?);
    let visits = Arc::new(visits::VisitLimits::new(&settings));
    let legacy_links_until = settings.legacy_capture_links_until;
    let media = Arc::new(media_settings);
    let processing = processing::Deps {
        db: db.clone(),
        store: store.clone(),
        media: media.clone(),
        outbox: outbox.clone(),
        urls: addresses::PublicUrls::new(settings.public_url()),
        review_queue: settings.review_queue.clone(),
        work_root: settings.media_limits.work_root(),
    };
    let jobs = jobs::Jobs::new(
        processing,
        Duration::from_secs(settings.job_lease_seconds),
        settings.processing_attempts,
    );
    let retention = retention::Retention {
        db: db.clone(),
        store: store.clone(),
        policy: retention::Policy {
            retention_days: settings.retention_days,
            abandoned_upload_hours: settings.abandoned_upload_hours,
            interval: Duration::from_secs(settings.retention_interval_seconds),
        },
    };
    Ok(AppState {
        genesys,
        settings: Arc::new(settings),
        db,
        store,
        tokens: Arc::new(
            token::TokenKeys::new(signing.as_bytes())
                .with_legacy_capture_links(signing.as_bytes(), legacy_links_until),
        ),
        api_key: Arc::new(api_key),
        outbox,
        jobs,
        retention,
        media,
        shutdown: tokio_util::sync::CancellationToken::new(),
        sign_cache: Arc::default(),
        visits,
    })
}

/// Start the background workers this process runs: webhook delivery, processing
/// and retention. They stop, after their current step, when `state.shutdown` is cancelled.
pub fn spawn_workers(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let stop = state.shutdown.clone();
    let mut handles = Vec::new();
    if let Some(outbox) = &state.outbox {
        handles.push(outbox.clone().spawn_until(stop.clone()));
    }
    handles.extend(jobs::spawn(
        &state.jobs,
        state.settings.processing_workers,
        stop.clone(),
    ));
    handles.push(retention::spawn(&state.retention, stop));
    handles
}
