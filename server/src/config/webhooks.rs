//! Webhook endpoints as configured: `VIDREPLY_WEBHOOK_URL` (+ secret) and the
//! `VIDREPLY_WEBHOOKS` list, checked for ids that are unique and safe to log.

use url::Url;

use super::Settings;

/// One webhook endpoint as configured.
#[derive(Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub id: String,
    pub url: Url,
    pub secrets: Vec<String>,
}

impl Settings {
    /// Every configured endpoint: `VIDREPLY_WEBHOOK_URL` as `default`, then `VIDREPLY_WEBHOOKS`.
    pub fn webhook_endpoints(&self) -> Result<Vec<WebhookConfig>, String> {
        let mut all = Vec::new();
        match (&self.webhook_url, &self.webhook_secret) {
            (Some(url), Some(secret)) => all.push(WebhookConfig {
                id: "default".into(),
                url: url.clone(),
                secrets: secret.split_whitespace().map(str::to_string).collect(),
            }),
            (Some(_), None) => {
                return Err(
                    "VIDREPLY_WEBHOOK_SECRET (whsec_…) is required with VIDREPLY_WEBHOOK_URL"
                        .into(),
                );
            }
            _ => {}
        }
        if let Some(json) = &self.webhooks {
            let more: Vec<WebhookConfig> = serde_json::from_str(json).map_err(|e| {
                // serde_json's message names the field and position, never the value.
                format!("VIDREPLY_WEBHOOKS is not a valid endpoint list: {e}")
            })?;
            all.extend(more);
        }
        let mut seen = std::collections::HashSet::new();
        for e in &all {
            let ok = !e.id.is_empty()
                && e.id.len() <= 64
                && e.id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(format!(
                    "webhook endpoint id {:?} must be 1–64 letters, digits, - or _",
                    e.id
                ));
            }
            if !seen.insert(e.id.clone()) {
                return Err(format!("webhook endpoint id {} is used twice", e.id));
            }
        }
        Ok(all)
    }
}
