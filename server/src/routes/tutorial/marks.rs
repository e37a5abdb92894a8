//! Telemetry of tutorial sessions. A tutorial asset is not bound to a conversation:
//! the watch page of a tutorial link reports with a watch token of the caller's
//! conversation, and its events are accepted for that conversation. The session's
//! first `VIDEO_START` records `started` and queues `context.message` (once, in the
//! events' transaction); `VIDEO_COMPLETION` records `completed`.

use std::collections::HashMap;

use vidreply_core::protocol::{ContextMessage, MessageContext, TelemetryEvent};
use vidreply_core::vocab::{TelemetryType, WebhookEvent};

use crate::db::{SessionMark, SessionStep, TutorialSessionRow, VideoRow};
use crate::error::ApiError;
use crate::state::AppState;
use crate::token::Claims;

/// What one telemetry batch learned about tutorial assets and sessions.
#[derive(Debug, Default)]
pub struct TutorialBatch {
    assets: HashMap<String, bool>,
    sessions: HashMap<String, Option<TutorialSessionRow>>,
    pub marks: Vec<SessionMark>,
}

impl TutorialBatch {
    /// Is this video a tutorial asset?
    pub async fn is_asset(&mut self, state: &AppState, video_id: &str) -> Result<bool, ApiError> {
        if let Some(known) = self.assets.get(video_id) {
            return Ok(*known);
        }
        let found = state.db.asset(video_id).await?.is_some();
        self.assets.insert(video_id.to_string(), found);
        Ok(found)
    }

    /// The video as the token's holder may report on it: their conversation's own
    /// video, or a tutorial asset seen from their conversation.
    pub async fn visible(
        &mut self,
        state: &AppState,
        claims: &Claims,
        mut video: VideoRow,
    ) -> Result<VideoRow, ApiError> {
        if video.conversation_id == claims.sub {
            return Ok(video);
        }
        if self.is_asset(state, &video.id).await? {
            video.conversation_id = claims.sub.clone();
            return Ok(video);
        }
        Err(ApiError::Forbidden(format!(
            "This link does not allow reporting on video {}.",
            video.id
        )))
    }

    /// Note the step an event of a tutorial session marks, if any.
    pub async fn observe(
        &mut self,
        state: &AppState,
        claims: &Claims,
        video: &VideoRow,
        e: &TelemetryEvent,
    ) -> Result<(), ApiError> {
        let step = match e.event_type.parse() {
            Ok(TelemetryType::Start) => SessionStep::Started,
            Ok(TelemetryType::Completion) => SessionStep::Completed,
            _ => return Ok(()),
        };
        if !self.is_asset(state, &video.id).await?
            || self
                .marks
                .iter()
                .any(|m| m.session_id == e.session_id && m.step == step)
        {
            return Ok(());
        }
        if !self.sessions.contains_key(&e.session_id) {
            let s = state.db.tutorial_session(&e.session_id).await?;
            self.sessions.insert(e.session_id.clone(), s);
        }
        let Some(session) = self.sessions[&e.session_id]
            .as_ref()
            .filter(|s| s.asset_id == video.id && s.conversation_id == claims.sub)
        else {
            return Ok(());
        };
        let event = match step {
            SessionStep::Started => state.outbox.as_ref().map(|o| {
                o.event(
                    WebhookEvent::ContextMessage,
                    &ContextMessage {
                        conversation_id: session.conversation_id.clone(),
                        text: format!(
                            "Video tutorial session initiated for asset ID: {}",
                            session.asset_id
                        ),
                        context: MessageContext {
                            source_channel: session.source_channel.clone(),
                            session_id: session.id.clone(),
                        },
                    },
                )
            }),
            SessionStep::Completed => None,
        };
        self.marks.push(SessionMark {
            session_id: session.id.clone(),
            step,
            at_ms: crate::clock::unix_now_ms() as i64,
            event,
        });
        Ok(())
    }

    /// Whether the batch queued an event to deliver.
    pub fn has_events(&self) -> bool {
        self.marks.iter().any(|m| m.event.is_some())
    }
}
