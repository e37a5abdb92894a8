//! Camera and MediaRecorder wrappers: open the camera, record in ~1 s slices,
//! hand back the chunks in order. Tracks and listeners are released on drop/cleanup.

use vidreply_core::capture::{AUDIO_BITRATE, RecordClock, video_bitrate};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BlobEvent, MediaRecorder, MediaRecorderOptions, MediaStream};

use crate::camera::{CameraError, supported_mime_type, video_size};

/// MediaRecorder time-slice. At least 1 s: Safari returns empty blobs for smaller slices.
pub const TIMESLICE_MS: i32 = 1000;

/// One recording in progress. Chunks arrive every [`TIMESLICE_MS`] and go straight
/// to `on_chunk` (the journal); empty ones are dropped and nothing is kept here, so
/// memory stays flat however long the recording runs.
pub struct Recording {
    recorder: MediaRecorder,
    clock: RecordClock,
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
        let (w, h) = video_size(stream);
        opts.set_video_bits_per_second(video_bitrate(w, h));
        opts.set_audio_bits_per_second(AUDIO_BITRATE);
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
            clock: RecordClock::start(js_sys::Date::now()),
            mime_type,
            _on_data: on_data,
            _on_ended: on_ended,
        })
    }

    pub fn mime_type(&self) -> &'static str {
        self.mime_type
    }

    /// Time recorded so far, pauses excluded.
    pub fn elapsed_ms(&self) -> f64 {
        self.clock.elapsed_ms(js_sys::Date::now())
    }

    /// Pause: nothing is recorded until [`Recording::resume`]; the chunk so far is handed over.
    pub fn pause(&mut self) {
        if self.recorder.state() == web_sys::RecordingState::Recording {
            let _ = self.recorder.request_data();
            let _ = self.recorder.pause();
            self.clock.pause(js_sys::Date::now());
        }
    }

    pub fn resume(&mut self) {
        if self.recorder.state() == web_sys::RecordingState::Paused {
            let _ = self.recorder.resume();
            self.clock.resume(js_sys::Date::now());
        }
    }

    /// Ask for the chunk recorded so far (when the page is being hidden).
    pub fn flush(&self) {
        if self.recorder.state() == web_sys::RecordingState::Recording {
            let _ = self.recorder.request_data();
        }
    }

    /// Stop and wait until the last chunk was handed over; returns the recorded
    /// duration in ms, pauses excluded.
    pub async fn stop(self) -> f64 {
        let duration_ms = self.elapsed_ms();
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
