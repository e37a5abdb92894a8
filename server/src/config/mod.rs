//! Settings: every limit is a named setting with a default, from flags, environment
//! or a TOML file (`--config`); see [`file`] for the precedence.
//!
//! A leaf: this folder owns every settings struct, the parsers of their values and
//! one [`Settings::validate`]; it imports nothing else of the server. Components
//! take their own slice (`genesys` a [`GenesysSettings`], `security` its two lists).

pub mod file;
mod genesys;
pub mod limits;
mod origins;
mod redact;
mod validate;
mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use url::Url;

pub use file::{LoadError, load_from};
pub use genesys::GenesysSettings;
pub use limits::{MediaLimits, UploadQuotas, parse_run_as};
pub use origins::{GENESYS_ORIGINS, origin_of, parse_csp_source, parse_origin};
pub use validate::S3_MIN_PART_SIZE;
pub use webhooks::WebhookConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the request's span fields.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageKind {
    /// Files under the data folder; the server signs and accepts its own part URLs.
    Local,
    /// Any S3-compatible store (AWS S3, MinIO, Garage, R2, SeaweedFS, GCS interop).
    S3,
}

/// What this process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Serve HTTP and run the background workers (processing, webhooks, retention).
    All,
    /// Only the background workers: a separate processing machine sharing the
    /// database and object storage with the HTTP servers.
    Worker,
}

/// vidreply companion server.
#[derive(Clone, Parser)]
#[command(name = "vidreply-server", version, about, args_override_self = true)]
pub struct Settings {
    /// TOML file with settings (keys as in vidreply.example.toml); flags and environment win over it.
    #[arg(long, env = "VIDREPLY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "VIDREPLY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Base URL people and browsers reach the server at [default: http://BIND].
    #[arg(long, env = "VIDREPLY_PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// Folder for the SQLite database, local video storage and generated secrets.
    #[arg(long, env = "VIDREPLY_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Folder of the Trunk-built browser app to serve.
    #[arg(long, env = "VIDREPLY_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,
    /// How long browsers keep the app's files whose names carry a content hash, in seconds.
    #[arg(
        long,
        env = "VIDREPLY_STATIC_MAX_AGE_SECONDS",
        default_value_t = 31_536_000
    )]
    pub static_max_age_seconds: u64,
    /// Database URL [default: sqlite in DATA_DIR/vidreply.db].
    #[arg(long, env = "VIDREPLY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// API key for integrations, at least 32 characters [default: generated once into
    /// DATA_DIR/api-key, mode 0600].
    #[arg(long, env = "VIDREPLY_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Secret of at least 32 bytes; the keys that sign tokens and local storage URLs are
    /// derived from it, one per purpose [default: generated once into DATA_DIR/signing-secret, mode 0600].
    #[arg(long, env = "VIDREPLY_SIGNING_SECRET", hide_env_values = true)]
    pub signing_secret: Option<String>,
    /// Until this time (unix seconds), also accept capture links signed the way
    /// servers before the per-purpose keys signed them (with the signing secret
    /// itself), as a customer's, so links already sent keep working through an
    /// upgrade. 0: never. Nothing new is ever signed that way.
    #[arg(long, env = "VIDREPLY_LEGACY_CAPTURE_LINKS_UNTIL", default_value_t = 0)]
    pub legacy_capture_links_until: u64,

    /// Where video bytes are kept.
    #[arg(long, env = "VIDREPLY_STORAGE", value_enum, default_value = "local")]
    pub storage: StorageKind,
    /// S3 endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000` (with storage = s3).
    #[arg(long, env = "VIDREPLY_S3_ENDPOINT")]
    pub s3_endpoint: Option<Url>,
    /// S3 region the requests are signed for.
    #[arg(long, env = "VIDREPLY_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    /// Bucket for videos (with storage = s3).
    #[arg(long, env = "VIDREPLY_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// S3 access key id (with storage = s3).
    #[arg(long, env = "VIDREPLY_S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key (with storage = s3).
    #[arg(long, env = "VIDREPLY_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
    /// Path-style bucket URLs (MinIO, SeaweedFS, Garage); false for virtual-host style.
    #[arg(long, env = "VIDREPLY_S3_PATH_STYLE", default_value_t = true, action = clap::ArgAction::Set)]
    pub s3_path_style: bool,

    /// Bytes per upload part; every part but the last has exactly this size. S3 needs ≥ 5 MiB.
    #[arg(long, env = "VIDREPLY_PART_SIZE", default_value_t = 5 * 1024 * 1024)]
    pub part_size: u64,
    /// Largest accepted recording, in bytes.
    #[arg(long, env = "VIDREPLY_MAX_UPLOAD_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_upload_bytes: u64,
    /// Part uploads a browser runs at once (1–6; browsers open at most 6 connections per host).
    #[arg(long, env = "VIDREPLY_UPLOAD_PARALLELISM", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=6))]
    pub upload_parallelism: u32,
    /// First retry waits up to this long (full jitter), in milliseconds; doubles per failure.
    #[arg(long, env = "VIDREPLY_RETRY_BASE_MS", default_value_t = 500)]
    pub retry_base_ms: u64,
    /// No retry waits longer than this, in milliseconds.
    #[arg(long, env = "VIDREPLY_RETRY_CAP_MS", default_value_t = 30_000)]
    pub retry_cap_ms: u64,
    /// Failures in a row without a part completing before the uploader gives up (the
    /// recording stays in the browser's journal either way).
    #[arg(long, env = "VIDREPLY_RETRY_ATTEMPTS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub retry_attempts: u32,
    /// Longest accepted recording, in seconds.
    #[arg(long, env = "VIDREPLY_MAX_DURATION_SECONDS", default_value_t = 3600)]
    pub max_duration_seconds: u64,
    /// Lifetime of a signed part or media URL, in seconds.
    #[arg(long, env = "VIDREPLY_PRESIGN_TTL_SECONDS", default_value_t = 300)]
    pub presign_ttl_seconds: u64,
    /// Lifetime of the watch token a watch page carries (it reports telemetry), in
    /// seconds; each visit of a share link gets a fresh one.
    #[arg(long, env = "VIDREPLY_WATCH_TOKEN_TTL_SECONDS", default_value_t = 4 * 3600,
          value_parser = clap::value_parser!(u64).range(60..=7 * 86400))]
    pub watch_token_ttl_seconds: u64,
    /// Watch-page visits (each mints a watch token and a viewer session) one client IP
    /// may make per minute, sustained; 0 turns the limit off.
    #[arg(
        long,
        env = "VIDREPLY_WATCH_VISITS_IP_PER_MINUTE",
        default_value_t = 30
    )]
    pub watch_visits_ip_per_minute: u32,
    /// Watch-page visits one client IP may make at once, above the sustained rate.
    #[arg(long, env = "VIDREPLY_WATCH_VISITS_IP_BURST", default_value_t = 10)]
    pub watch_visits_ip_burst: u32,
    /// Watch-page visits of one video per minute, from everyone, sustained; 0 turns the limit off.
    #[arg(
        long,
        env = "VIDREPLY_WATCH_VISITS_VIDEO_PER_MINUTE",
        default_value_t = 120
    )]
    pub watch_visits_video_per_minute: u32,
    /// Watch-page visits of one video at once, above the sustained rate.
    #[arg(long, env = "VIDREPLY_WATCH_VISITS_VIDEO_BURST", default_value_t = 60)]
    pub watch_visits_video_burst: u32,
    /// Videos one agent token may send on a channel within the send window.
    #[arg(long, env = "VIDREPLY_SEND_MAX_PER_TOKEN", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub send_max_per_token: u32,
    /// Times one video may be sent on a channel within the send window (by anyone,
    /// the API key included).
    #[arg(long, env = "VIDREPLY_SEND_MAX_PER_VIDEO", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub send_max_per_video: u32,
    /// The window the send quotas count over, in seconds.
    #[arg(long, env = "VIDREPLY_SEND_WINDOW_SECONDS", default_value_t = 86400,
          value_parser = clap::value_parser!(u64).range(60..))]
    pub send_window_seconds: u64,
    /// Default lifetime of a capture link, in seconds.
    #[arg(long, env = "VIDREPLY_CAPTURE_LINK_TTL_SECONDS", default_value_t = 7 * 86400)]
    pub capture_link_ttl_seconds: u64,
    /// Longest capture-link lifetime a caller may ask for, in seconds.
    #[arg(long, env = "VIDREPLY_CAPTURE_LINK_MAX_TTL_SECONDS", default_value_t = 30 * 86400)]
    pub capture_link_max_ttl_seconds: u64,
    /// Shortest tutorial link `POST /api/v1/media/sign-video-url` signs, in seconds
    /// (`expiration_seconds` below it is refused).
    #[arg(long, env = "VIDREPLY_TUTORIAL_MIN_TTL_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub tutorial_min_ttl_seconds: u64,
    /// Longest tutorial link `POST /api/v1/media/sign-video-url` signs, in seconds
    /// (`expiration_seconds` above it is refused).
    #[arg(long, env = "VIDREPLY_TUTORIAL_MAX_TTL_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub tutorial_max_ttl_seconds: u64,
    /// How long an unfinished upload may be resumed, in seconds.
    #[arg(long, env = "VIDREPLY_UPLOAD_TTL_SECONDS", default_value_t = 86400)]
    pub upload_ttl_seconds: u64,
    // What one capture link may store (`limits`).
    #[command(flatten)]
    pub quotas: UploadQuotas,

    /// Endpoint that receives `video.received` (Standard Webhooks signed).
    #[arg(long, env = "VIDREPLY_WEBHOOK_URL")]
    pub webhook_url: Option<Url>,
    /// `whsec_…` secret for the webhook signature; during a key rotation, several
    /// separated by spaces (newest first): each delivery carries one signature per secret.
    #[arg(long, env = "VIDREPLY_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// More endpoints, as JSON: `[{"id":"crm","url":"https://…","secrets":["whsec_…"]}]`.
    /// Each gets every event, signed with its own secrets; ids must be unique.
    #[arg(long, env = "VIDREPLY_WEBHOOKS", hide_env_values = true)]
    pub webhooks: Option<String>,
    /// Delays between webhook attempts, in seconds (Standard Webhooks schedule).
    #[arg(
        long,
        env = "VIDREPLY_WEBHOOK_SCHEDULE",
        value_delimiter = ',',
        default_value = "0,5,300,1800,7200,18000,36000,50400,72000,86400"
    )]
    pub webhook_schedule: Vec<u64>,

    /// Days a video is kept; then retention deletes it, its renditions and its rows.
    #[arg(long, env = "VIDREPLY_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=36500))]
    pub retention_days: u64,
    /// Hours after which an upload never completed is aborted and its parts deleted.
    #[arg(long, env = "VIDREPLY_ABANDONED_UPLOAD_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u64).range(1..=8760))]
    pub abandoned_upload_hours: u64,
    /// Seconds between retention sweeps.
    #[arg(
        long,
        env = "VIDREPLY_RETENTION_INTERVAL_SECONDS",
        default_value_t = 3600
    )]
    pub retention_interval_seconds: u64,
    /// Queue named in `video.received` routing hints.
    #[arg(
        long,
        env = "VIDREPLY_REVIEW_QUEUE",
        default_value = "Async_Video_Review"
    )]
    pub review_queue: String,

    /// `all` serves HTTP and runs the workers; `worker` runs only the workers.
    #[arg(long, env = "VIDREPLY_ROLE", value_enum, default_value = "all")]
    pub role: Role,
    /// Processing workers in this server (0: run them elsewhere with `--role worker`).
    #[arg(long, env = "VIDREPLY_PROCESSING_WORKERS", default_value_t = 1)]
    pub processing_workers: u32,
    /// Attempts at processing a video before it is marked failed.
    #[arg(long, env = "VIDREPLY_PROCESSING_ATTEMPTS", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub processing_attempts: u32,
    /// A worker holds its job this long between heartbeats; a crashed worker's job is
    /// taken over after it, in seconds.
    #[arg(long, env = "VIDREPLY_JOB_LEASE_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub job_lease_seconds: u64,
    /// Longest one ffmpeg run may take, in seconds.
    #[arg(
        long,
        env = "VIDREPLY_PROCESSING_TIMEOUT_SECONDS",
        default_value_t = 1800
    )]
    pub processing_timeout_seconds: u64,
    /// ffmpeg program.
    #[arg(long, env = "VIDREPLY_FFMPEG", default_value = "ffmpeg")]
    pub ffmpeg: PathBuf,
    /// ffprobe program.
    #[arg(long, env = "VIDREPLY_FFPROBE", default_value = "ffprobe")]
    pub ffprobe: PathBuf,
    /// HLS renditions as `height:video-kbps`, comma-separated (at least 2).
    #[arg(
        long,
        env = "VIDREPLY_HLS_RENDITIONS",
        default_value = "360:800,720:2500"
    )]
    pub hls_renditions: String,
    // What one video may cost to process, and the ffmpeg sandbox (`limits`).
    #[command(flatten)]
    pub media_limits: MediaLimits,

    /// Print a ready-to-open demo capture link on start (to stdout, never to the log);
    /// `scripts/run` turns it on. Anyone who reads the output can record with it.
    #[arg(long, env = "VIDREPLY_DEMO_LINK", default_value_t = false, action = clap::ArgAction::Set)]
    pub demo_link: bool,
    /// Conversation the start-up demo link is bound to.
    #[arg(
        long,
        env = "VIDREPLY_DEMO_CONVERSATION_ID",
        default_value = "demo-conversation"
    )]
    pub demo_conversation_id: String,

    /// Log filter, in `tracing` `EnvFilter` syntax (e.g. `info,vidreply_server=debug`).
    #[arg(long, env = "VIDREPLY_LOG", default_value = "info")]
    pub log: String,
    /// Log line format on stderr.
    #[arg(long, env = "VIDREPLY_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Origins allowed to frame the app (CSP `frame-ancestors`, besides 'self'): the Genesys Cloud
    /// regions' app hosts. `'none'` forbids framing.
    #[arg(
        long,
        env = "VIDREPLY_FRAME_ANCESTORS",
        value_delimiter = ',',
        value_parser = parse_csp_source,
        default_value = GENESYS_ORIGINS
    )]
    pub frame_ancestors: Vec<String>,
    /// Other origins whose pages may call the API and PUT parts (CORS); none by default (same origin only).
    #[arg(long, env = "VIDREPLY_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,
    // The agent frame's Genesys Cloud sign-in (`genesys`, used by `crate::genesys`).
    #[command(flatten)]
    pub genesys: GenesysSettings,

    /// Requests one client IP may make per minute, sustained (0 turns the limit off).
    #[arg(
        long,
        env = "VIDREPLY_RATE_LIMIT_IP_PER_MINUTE",
        default_value_t = 6000
    )]
    pub rate_limit_ip_per_minute: u32,
    /// Requests one client IP may make at once, above the sustained rate.
    #[arg(long, env = "VIDREPLY_RATE_LIMIT_IP_BURST", default_value_t = 600)]
    pub rate_limit_ip_burst: u32,
    /// Requests to /api/v1/uploads* one capture token may make per minute (0 turns the limit off).
    #[arg(
        long,
        env = "VIDREPLY_RATE_LIMIT_TOKEN_PER_MINUTE",
        default_value_t = 600
    )]
    pub rate_limit_token_per_minute: u32,
    /// Requests one capture token may make at once, above the sustained rate.
    #[arg(long, env = "VIDREPLY_RATE_LIMIT_TOKEN_BURST", default_value_t = 120)]
    pub rate_limit_token_burst: u32,
    /// Take the client IP from the last X-Forwarded-For entry (only behind exactly one proxy that sets it).
    #[arg(long, env = "VIDREPLY_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,

    /// Largest JSON request body, in bytes.
    #[arg(long, env = "VIDREPLY_JSON_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub json_body_limit: usize,
    /// An API request that takes longer than this is answered 504 `timeout`, in seconds.
    #[arg(long, env = "VIDREPLY_REQUEST_TIMEOUT_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,
    /// A part PUT that takes longer than this is answered 408 `timeout`, in seconds.
    #[arg(long, env = "VIDREPLY_PART_TIMEOUT_SECONDS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub part_timeout_seconds: u64,
    /// A connection must send each request's head (request line and headers) within this
    /// long of opening or of its previous request, or it is closed, in seconds.
    #[arg(long, env = "VIDREPLY_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout_seconds: u64,
    /// Connections served at once; beyond it, new ones wait in the listen backlog until
    /// one closes.
    #[arg(long, env = "VIDREPLY_MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// On SIGTERM/SIGINT, how long in-flight requests may take to finish, in seconds.
    #[arg(long, env = "VIDREPLY_SHUTDOWN_GRACE_SECONDS", default_value_t = 25)]
    pub shutdown_grace_seconds: u64,
    /// Serve GET /metrics without the API key (e.g. to a scraper on a private network).
    #[arg(long, env = "VIDREPLY_METRICS_PUBLIC", default_value_t = false, action = clap::ArgAction::Set)]
    pub metrics_public: bool,
}

impl Settings {
    /// Settings from the command line, the environment and the `--config` file.
    pub fn load() -> Result<Self, LoadError> {
        load_from(std::env::args_os())
    }

    /// The retry policy browsers are told to use.
    pub fn retry_policy(&self) -> vidreply_core::RetryPolicy {
        vidreply_core::RetryPolicy {
            base_ms: self.retry_base_ms,
            cap_ms: self.retry_cap_ms.max(self.retry_base_ms),
            max_attempts: self.retry_attempts,
            jitter: true,
        }
    }

    pub fn public_url(&self) -> Url {
        self.public_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{}/", self.bind)).expect("socket address forms a URL")
        })
    }
}
