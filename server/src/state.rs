//! Shared application state.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::addresses::PublicUrls;
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::outbox::Outbox;
use crate::secrets::ct_eq;
use crate::storage::Backend;
use crate::token::TokenKeys;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub store: Arc<dyn Backend>,
    pub tokens: Arc<TokenKeys>,
    pub api_key: Arc<String>,
    /// Durable webhook delivery, when a webhook endpoint is configured.
    pub outbox: Option<Outbox>,
    /// The processing queue: its workers' dependencies, and the wake-up a queued
    /// job rings (`jobs.notify()`).
    pub jobs: crate::jobs::Jobs,
    /// What the retention sweep needs.
    pub retention: crate::retention::Retention,
    pub media: Arc<crate::media::MediaSettings>,
    /// Genesys Cloud, for the agent frame's sign-in.
    pub genesys: Arc<crate::genesys::Genesys>,
    /// Cancelled when the server starts shutting down: workers stop, `/readyz` says so.
    pub shutdown: CancellationToken,
    /// Storage URLs signed for tutorial assets, reused within a time bucket.
    pub sign_cache: Arc<crate::sign_cache::SignCache>,
    /// Limits on watch-page visits, which mint watch tokens and viewer sessions.
    pub visits: Arc<crate::visits::VisitLimits>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .field("store", &self.store.name())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The server's public URLs (share links, capture and tutorial links).
    pub fn urls(&self) -> PublicUrls {
        PublicUrls::new(self.settings.public_url())
    }

    /// A fresh work folder under `VIDREPLY_WORK_DIR` ([`crate::media::work_dir`]).
    pub async fn work_dir(&self) -> std::io::Result<tempfile::TempDir> {
        crate::media::work_dir(&self.settings.media_limits.work_root()).await
    }

    /// Check a capture token's signature, expiry and scope, and that it was not revoked.
    pub async fn verify_token(
        &self,
        token: &str,
        scope: crate::token::Scope,
    ) -> Result<crate::token::Claims, ApiError> {
        let claims = self.tokens.verify(token, scope)?;
        if self.db.is_revoked(&claims.jti).await? {
            return Err(ApiError::TokenRevoked(
                "This link was withdrawn. Ask for a new link.".into(),
            ));
        }
        Ok(claims)
    }

    /// Check an integration's API key in constant time.
    pub fn check_api_key(&self, presented: &str) -> Result<(), ApiError> {
        if ct_eq(presented.as_bytes(), self.api_key.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::Unauthenticated(
                "The API key is not valid.".into(),
            ))
        }
    }
}
