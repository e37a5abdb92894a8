//! What the camera and the recorder share: why the camera could not be used, the
//! best type this browser records, and what a stream's tracks deliver. Below both
//! `devices` (opening cameras) and `recorder` (MediaRecorder), so neither needs the other.

use vidreply_core::media::negotiate;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MediaRecorder, MediaStream};

use crate::browser::window;

/// Why the camera could not be used, each with a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraError {
    Denied,
    NoCamera,
    InUse,
    Insecure,
    Unsupported,
    Other(String),
}

impl CameraError {
    /// The stable code (for the widget's `error` event) and the message key.
    pub fn code(&self) -> &'static str {
        match self {
            CameraError::Denied => "camera_denied",
            CameraError::NoCamera => "no_camera",
            CameraError::InUse => "camera_in_use",
            CameraError::Insecure => "insecure_context",
            CameraError::Unsupported => "recording_unsupported",
            CameraError::Other(_) => "camera_failed",
        }
    }

    pub fn message(&self, i: &crate::i18n::I18n) -> String {
        match self {
            CameraError::Denied => i.t("err-denied"),
            CameraError::NoCamera => i.t("err-no-camera"),
            CameraError::InUse => i.t("err-in-use"),
            CameraError::Insecure => i.t("err-insecure"),
            CameraError::Unsupported => i.t("err-unsupported"),
            CameraError::Other(m) => i.tr("err-other", &[("detail", m.as_str().into())]),
        }
    }

    pub(crate) fn from_js(e: &JsValue) -> Self {
        let name = e
            .dyn_ref::<web_sys::DomException>()
            .map(|d| d.name())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" | "PermissionDeniedError" => CameraError::Denied,
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => {
                CameraError::NoCamera
            }
            "NotReadableError" | "TrackStartError" | "AbortError" => CameraError::InUse,
            "SecurityError" => CameraError::Insecure,
            _ => CameraError::Other(if name.is_empty() {
                "unknown error".into()
            } else {
                name
            }),
        }
    }
}

/// The best MediaRecorder type this browser supports.
pub fn supported_mime_type() -> Option<&'static str> {
    let has_recorder =
        js_sys::Reflect::has(&window(), &JsValue::from_str("MediaRecorder")).unwrap_or(false);
    if !has_recorder {
        return None;
    }
    negotiate(MediaRecorder::is_type_supported)
}

/// Stop every track so the camera light goes off.
pub fn stop_stream(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        if let Ok(track) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

pub(crate) fn track_of(stream: &MediaStream, video: bool) -> Option<web_sys::MediaStreamTrack> {
    let tracks = if video {
        stream.get_video_tracks()
    } else {
        stream.get_audio_tracks()
    };
    tracks.get(0).dyn_into().ok()
}

/// Width and height the camera delivers (0×0 when unknown).
pub fn video_size(stream: &MediaStream) -> (u32, u32) {
    track_of(stream, true)
        .map(|t| t.get_settings())
        .map(|s| {
            (
                s.get_width().unwrap_or(0).max(0) as u32,
                s.get_height().unwrap_or(0).max(0) as u32,
            )
        })
        .unwrap_or((0, 0))
}
