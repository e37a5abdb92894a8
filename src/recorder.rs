//! Camera and MediaRecorder wrappers: open the camera, record in ~1 s slices,
//! hand back the chunks in order. Tracks and listeners are released on drop/cleanup.

use vidreply_core::media::negotiate;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    BlobEvent, MediaRecorder, MediaRecorderOptions, MediaStream, MediaStreamConstraints,
};

/// MediaRecorder time-slice. At least 1 s: Safari returns empty blobs for smaller slices.
pub const TIMESLICE_MS: i32 = 1000;

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
    pub fn message(&self) -> String {
        match self {
            CameraError::Denied => "Camera access was blocked. Allow the camera and microphone in your browser's site settings, then try again.".into(),
            CameraError::NoCamera => "No camera was found. Connect a camera, then try again.".into(),
            CameraError::InUse => "The camera is in use by another app or tab. Close it, then try again.".into(),
            CameraError::Insecure => "The camera only works on a secure (https) page. Open the link exactly as you received it.".into(),
            CameraError::Unsupported => "This browser cannot record video. Try a current Chrome, Safari, Firefox or Edge.".into(),
            CameraError::Other(m) => format!("The camera could not start ({m}). Try again."),
        }
    }

    fn from_js(e: &JsValue) -> Self {
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

fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
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

/// Ask for camera and microphone.
pub async fn open_camera() -> Result<MediaStream, CameraError> {
    if !window().is_secure_context() {
        return Err(CameraError::Insecure);
    }
    let devices = window()
        .navigator()
        .media_devices()
        .map_err(|_| CameraError::Insecure)?;
    if supported_mime_type().is_none() {
        return Err(CameraError::Unsupported);
    }
    let constraints = MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &"user".into());
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::TRUE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| CameraError::from_js(&e))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|e| CameraError::from_js(&e))?;
    Ok(stream.unchecked_into())
}

/// Stop every track so the camera light goes off.
pub fn stop_stream(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        if let Ok(track) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// One recording in progress. Chunks arrive every [`TIMESLICE_MS`] and go straight
/// to `on_chunk` (the journal); empty ones are dropped and nothing is kept here, so
/// memory stays flat however long the recording runs.
pub struct Recording {
    recorder: MediaRecorder,
    started_ms: f64,
    mime_type: &'static str,
    _on_data: Closure<dyn FnMut(BlobEvent)>,
    _on_ended: Closure<dyn FnMut()>,
}

impl Recording {
    /// `on_interrupted` runs once if a track ends by itself (a phone call, a
    /// revoked permission, an unplugged camera).
    pub fn start(
        stream: &MediaStream,
        mut on_chunk: impl FnMut(web_sys::Blob) + 'static,
        on_interrupted: impl FnOnce() + 'static,
    ) -> Result<Self, CameraError> {
        let mime_type = supported_mime_type().ok_or(CameraError::Unsupported)?;
        let opts = MediaRecorderOptions::new();
        opts.set_mime_type(mime_type);
        let recorder =
            MediaRecorder::new_with_media_stream_and_media_recorder_options(stream, &opts)
                .map_err(|e| CameraError::from_js(&e))?;
        let on_data = Closure::<dyn FnMut(BlobEvent)>::new(move |e: BlobEvent| {
            if let Some(b) = e.data().filter(|b| b.size() > 0.0) {
                on_chunk(b);
            }
        });
        recorder
            .add_event_listener_with_callback("dataavailable", on_data.as_ref().unchecked_ref())
            .map_err(|e| CameraError::from_js(&e))?;
        let mut once = Some(on_interrupted);
        let on_ended = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = once.take() {
                f();
            }
        });
        for t in stream.get_tracks().iter() {
            if let Ok(track) = t.dyn_into::<web_sys::MediaStreamTrack>() {
                let _ = track
                    .add_event_listener_with_callback("ended", on_ended.as_ref().unchecked_ref());
            }
        }
        recorder
            .start_with_time_slice(TIMESLICE_MS)
            .map_err(|e| CameraError::from_js(&e))?;
        Ok(Self {
            recorder,
            started_ms: js_sys::Date::now(),
            mime_type,
            _on_data: on_data,
            _on_ended: on_ended,
        })
    }

    pub fn mime_type(&self) -> &'static str {
        self.mime_type
    }

    /// Ask for the chunk recorded so far (when the page is being hidden).
    pub fn flush(&self) {
        if self.recorder.state() == web_sys::RecordingState::Recording {
            let _ = self.recorder.request_data();
        }
    }

    /// Stop and wait until the last chunk was handed over; returns the duration in ms.
    pub async fn stop(self) -> f64 {
        let duration_ms = (js_sys::Date::now() - self.started_ms).max(0.0);
        if self.recorder.state() != web_sys::RecordingState::Inactive {
            let recorder = self.recorder.clone();
            let stopped = js_sys::Promise::new(&mut |resolve, _| {
                let opts = web_sys::AddEventListenerOptions::new();
                opts.set_once(true);
                let _ = recorder.add_event_listener_with_callback_and_add_event_listener_options(
                    "stop", &resolve, &opts,
                );
            });
            let _ = self.recorder.stop();
            let _ = JsFuture::from(stopped).await;
        }
        duration_ms
    }
}
