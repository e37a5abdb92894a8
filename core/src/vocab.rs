//! The project's typed vocabulary: states and event names that travel as fixed
//! strings (database rows, JSON, webhook headers). Each enum is written as its
//! string everywhere (`as_str`, `Display`, serde) and read back with `FromStr`,
//! which names an unknown value instead of guessing one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A string that names no value of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownValue {
    /// The vocabulary, e.g. `video status`.
    pub what: &'static str,
    pub value: String,
}

/// An enum of fixed strings, with `as_str`, `ALL`, `FromStr`, `TryFrom<String>`,
/// `Display`, serde as the string, and comparison with `&str`.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident => $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $v,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$v),+];

            /// The value as it is written on the wire and in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$v => $s,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($s => Ok(Self::$v),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_string() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, UnknownValue> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

vocabulary!(
    /// Where a video stands: `processing` → `ready`, or `failed` with a reason.
    VideoStatus, "video status" {
        Processing => "processing",
        /// Playable; `video.received` was queued.
        Ready => "ready",
        Failed => "failed",
    }
);

vocabulary!(
    /// Where an upload stands: `open` → `completing` → `completed`, or `aborted`.
    UploadStatus, "upload status" {
        Open => "open",
        Completing => "completing",
        Completed => "completed",
        Aborted => "aborted",
    }
);

vocabulary!(
    /// The types of watch-page telemetry event.
    TelemetryType, "telemetry event type" {
        Start => "VIDEO_START",
        Pause => "VIDEO_PAUSE",
        /// A quartile reached: 25, 50 or 75.
        Progress => "VIDEO_PROGRESS",
        Completion => "VIDEO_COMPLETION",
    }
);

vocabulary!(
    /// How far a telemetry event's session got.
    CompletionStatus, "completion status" {
        InProgress => "in_progress",
        Completed => "completed",
    }
);

vocabulary!(
    /// The webhook events the server sends (the `webhook-event` header and the
    /// outbox's `event_type`).
    WebhookEvent, "webhook event" {
        /// A recording is playable.
        VideoReceived => "video.received",
        /// A viewer session started playback, once per video and session.
        VideoViewed => "video.viewed",
        /// An agent sent a video into the conversation.
        AgentVideoSend => "agent.video.send",
        /// A tutorial session reached a step worth telling the conversation.
        ContextMessage => "context.message",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + PartialEq + fmt::Debug + FromStr<Err = UnknownValue> + Serialize + fmt::Display,
        T: for<'de> Deserialize<'de>,
    {
        for v in all {
            let s = v.to_string();
            assert_eq!(s.parse::<T>(), Ok(*v));
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
        }
    }

    #[test]
    fn every_value_is_its_string_both_ways() {
        round_trips(VideoStatus::ALL);
        round_trips(UploadStatus::ALL);
        round_trips(TelemetryType::ALL);
        round_trips(CompletionStatus::ALL);
        round_trips(WebhookEvent::ALL);
    }

    #[test]
    fn the_strings_are_the_stored_ones() {
        let strings = |all: &[&'static str]| all.join(" ");
        let video: Vec<_> = VideoStatus::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(strings(&video), "processing ready failed");
        let upload: Vec<_> = UploadStatus::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(strings(&upload), "open completing completed aborted");
        let types: Vec<_> = TelemetryType::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            strings(&types),
            "VIDEO_START VIDEO_PAUSE VIDEO_PROGRESS VIDEO_COMPLETION"
        );
        let events: Vec<_> = WebhookEvent::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            strings(&events),
            "video.received video.viewed agent.video.send context.message"
        );
    }

    #[test]
    fn an_unknown_value_is_named_not_guessed() {
        let e = "shipped".parse::<VideoStatus>().unwrap_err();
        assert_eq!(e.to_string(), "unknown video status: \"shipped\"");
        assert!("Ready".parse::<VideoStatus>().is_err());
        assert!(serde_json::from_str::<UploadStatus>("\"closed\"").is_err());
        assert!(VideoStatus::Ready == "ready" && VideoStatus::Failed != "ready");
    }
}
