//! The recorder's state and what each button does. `Ctl` is `Copy` (signals and
//! stored values only), so every view piece can hold it.

use std::rc::Rc;

use leptos::html::Video;
use leptos::prelude::*;
use vidreply_core::protocol::{UploadSession, Video as SentVideo};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, MediaStream};

use crate::api::Api;
use crate::devices::{self, Device, DeviceChoice};
use crate::i18n::{Arg, I18n};
use crate::journal::{Journal, RecordingMeta};
use crate::options::{Mode, RecorderEvent, RecorderOptions};
use crate::recorder::{CameraError, Recording, stop_stream};
use crate::screen::Screen;
use crate::session::{Callbacks, Session};
use crate::upload::Progress;

type Local<T> = StoredValue<T, LocalStorage>;

#[derive(Clone, Copy)]
pub struct Ctl {
    pub screen: RwSignal<Screen>,
    /// Things worth knowing that are not the current step (low space, limit reached…).
    pub notice: RwSignal<Option<String>>,
    pub i18n: Local<I18n>,
    pub opts: Local<RecorderOptions>,
    pub api: Local<Api>,
    pub stream: RwSignal<Option<MediaStream>, LocalStorage>,
    pub recording: Local<Option<Recording>>,
    pub session: Local<Option<Session>>,
    pub journal: Local<Option<Journal>>,
    /// The recording being reviewed or resumed (its journal entry).
    pub current: Local<Option<RecordingMeta>>,
    pub preview: NodeRef<Video>,
    pub review: NodeRef<Video>,
    pub cams: RwSignal<Vec<Device>>,
    pub mics: RwSignal<Vec<Device>>,
    pub choice: RwSignal<DeviceChoice>,
    /// Recorded time, pauses excluded (ms), while recording.
    pub elapsed: RwSignal<f64>,
    /// The server's duration limit for this upload, once known.
    pub server_limit: RwSignal<Option<u64>>,
    pub upload_id: RwSignal<Option<String>>,
    pub poster: Local<Option<Blob>>,
    /// What the server returned on completion (agent mode shares it).
    pub sent: RwSignal<Option<SentVideo>>,
    pub ticker: Local<Option<IntervalHandle>>,
    /// Bumped by each countdown, so a cancelled one stops ticking.
    pub countdown_run: RwSignal<u32>,
}

impl Ctl {
    pub fn new(options: RecorderOptions) -> Self {
        let i18n = I18n::for_page(options.lang.as_deref());
        let api = Api::new(
            options.endpoint.clone(),
            options.token.clone().unwrap_or_default(),
        );
        let initial = match &options.token {
            None => Screen::BadLink(i18n.t("bad-link")),
            Some(_) => Screen::Intro,
        };
        Self {
            screen: RwSignal::new(initial),
            notice: RwSignal::new(None),
            i18n: StoredValue::new_local(i18n),
            opts: StoredValue::new_local(options),
            api: StoredValue::new_local(api),
            stream: RwSignal::new_local(None),
            recording: StoredValue::new_local(None),
            session: StoredValue::new_local(None),
            journal: StoredValue::new_local(None),
            current: StoredValue::new_local(None),
            preview: NodeRef::new(),
            review: NodeRef::new(),
            cams: RwSignal::new(vec![]),
            mics: RwSignal::new(vec![]),
            choice: RwSignal::new(DeviceChoice::default()),
            elapsed: RwSignal::new(0.0),
            server_limit: RwSignal::new(None),
            upload_id: RwSignal::new(None),
            poster: StoredValue::new_local(None),
            sent: RwSignal::new(None),
            ticker: StoredValue::new_local(None),
            countdown_run: RwSignal::new(0),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.i18n.with_value(|i| i.t(key))
    }
    pub fn tr(&self, key: &str, args: &[(&str, Arg)]) -> String {
        self.i18n.with_value(|i| i.tr(key, args))
    }
    pub fn agent(&self) -> bool {
        self.opts.with_value(|o| o.mode == Mode::Agent)
    }
    pub fn emit(&self, e: RecorderEvent) {
        self.opts.with_value(|o| o.events.clone()).emit(e);
    }
    /// The recording limit in ms: the page's and the server's, whichever is smaller.
    pub fn limit_ms(&self) -> u64 {
        let server = self.server_limit.get();
        self.opts.with_value(|o| o.limit_ms(server))
    }

    /// Show a failure and tell the page (`error` event with a stable code).
    pub fn fail(&self, code: &str, message: String, retry_camera: bool) {
        self.emit(RecorderEvent::Error {
            code: code.into(),
            message: message.clone(),
        });
        self.screen.set(Screen::Failed {
            message,
            retry_camera,
        });
    }

    pub fn camera_failed(&self, e: CameraError) {
        let message = self.i18n.with_value(|i| e.message(i));
        self.fail(e.code(), message, true);
    }

    /// Open the camera as chosen, show it, and list the devices there are.
    pub fn open_camera(self) {
        self.screen.set(Screen::Opening);
        self.release_camera();
        spawn_local(async move {
            let choice = self.choice.get_untracked();
            match devices::open_camera(&choice).await {
                Ok(s) => {
                    if let Some(v) = self.preview.get_untracked() {
                        v.set_src_object(Some(&s));
                    }
                    let (cam, mic) = devices::in_use(&s);
                    // The pickers are filled before the preview shows, so the page does not
                    // shift under a finger (or a WebDriver click) aimed at Start recording.
                    let (cams, mics) = devices::list().await;
                    self.cams.set(cams);
                    self.mics.set(mics);
                    self.choice.update(|c| {
                        c.camera = c.camera.take().or(cam);
                        c.microphone = c.microphone.take().or(mic);
                    });
                    self.stream.set(Some(s));
                    self.screen.set(Screen::Preview);
                    crate::notices::warn_if_low_space(self).await;
                }
                Err(e) => self.camera_failed(e),
            }
        });
    }

    /// Use another camera, microphone or facing (only before recording).
    pub fn choose(self, f: impl FnOnce(&mut DeviceChoice)) {
        if self.screen.get_untracked() != Screen::Preview {
            return;
        }
        self.choice.update(f);
        self.open_camera();
    }

    /// Turn the camera and microphone off (light goes out).
    pub fn release_camera(&self) {
        if let Some(v) = self.preview.get_untracked() {
            v.set_src_object(None);
        }
        if let Some(s) = self.stream.try_update_untracked(Option::take).flatten() {
            stop_stream(&s);
            self.stream.set(None);
        }
    }

    /// Start recording, after the countdown when there is one.
    pub fn start(self) {
        let seconds = self.opts.with_value(|o| o.countdown_s);
        if seconds == 0 {
            return self.begin();
        }
        crate::timers::countdown(self, seconds);
    }

    pub fn cancel_countdown(&self) {
        self.countdown_run.update(|n| *n += 1);
        self.screen.set(Screen::Preview);
    }

    /// Start the recorder: journal first, then MediaRecorder, uploading as it goes.
    pub fn begin(self) {
        let Some(mime) = crate::recorder::supported_mime_type() else {
            return self.camera_failed(CameraError::Unsupported);
        };
        // The camera went away between the preview and Start: open it again.
        let Some(s) = self.stream.get_untracked() else {
            return self.open_camera();
        };
        let conversation = self.opts.with_value(|o| o.conversation_id.clone());
        let mut meta = RecordingMeta::new(
            crate::notices::new_id(),
            conversation,
            mime,
            js_sys::Date::now(),
        );
        meta.link_expires_at_ms = self
            .opts
            .with_value(|o| o.token.as_deref().and_then(crate::notices::token_expiry_ms));
        if let Some(st) =
            crate::devices::present::<web_sys::StorageManager>(&window().navigator(), "storage")
        {
            let _ = st.persist();
        }
        spawn_local(async move {
            let j = match crate::notices::journal(self).await {
                Ok(j) => j,
                Err(e) => return self.fail("storage_unavailable", e.to_string(), true),
            };
            if let Err(e) = j.save(&meta).await {
                return self.fail("storage_unavailable", e.to_string(), true);
            }
            self.upload_id.set(None);
            self.poster.set_value(None);
            let sess = Session::open(self.api.get_value(), j, meta.clone(), self.callbacks());
            let sink = sess.clone();
            let interrupted = move || self.finish(Screen::Interrupted);
            match Recording::start(&s, move |b| sink.chunk(b), interrupted) {
                Ok(r) => {
                    self.emit(RecorderEvent::RecordingStart {
                        mime_type: r.mime_type().into(),
                    });
                    self.recording.set_value(Some(r));
                    self.session.set_value(Some(sess));
                    self.current.set_value(Some(meta));
                    self.elapsed.set(0.0);
                    self.screen.set(Screen::Recording);
                    crate::timers::tick_while_recording(self);
                    crate::timers::take_poster(self);
                }
                Err(e) => {
                    sess.abort();
                    self.camera_failed(e);
                }
            }
        });
    }

    pub fn pause(&self) {
        self.recording.update_value(|r| {
            if let Some(r) = r.as_mut() {
                r.pause();
            }
        });
        self.screen.set(Screen::Paused);
    }

    pub fn resume(&self) {
        self.recording.update_value(|r| {
            if let Some(r) = r.as_mut() {
                r.resume();
            }
        });
        self.screen.set(Screen::Recording);
    }

    /// Stop recording (by the person, the limit, or the camera going away) and review.
    pub fn finish(self, next: Screen) {
        self.finish_with(next, false);
    }

    /// [`Ctl::finish`], then optionally turn the camera off (once the last chunk is in).
    pub fn finish_with(self, next: Screen, release: bool) {
        let Some(r) = self.recording.try_update_value(Option::take).flatten() else {
            return;
        };
        if let Some(t) = self.ticker.try_update_value(Option::take).flatten() {
            t.clear();
        }
        spawn_local(async move {
            let duration_ms = r.stop().await;
            self.elapsed.set(duration_ms);
            self.emit(RecorderEvent::RecordingStop { duration_ms });
            if let Some(s) = self.session.get_value() {
                s.stopped(duration_ms);
                s.review(move |b| self.show_review(b));
            }
            self.screen.set(next);
            if release {
                self.release_camera();
                self.notice.set(Some(self.t("camera-released")));
            }
        });
    }

    pub fn show_review(&self, blob: Blob) {
        if let (Some(v), Ok(url)) = (
            self.review.get_untracked(),
            web_sys::Url::create_object_url_with_blob(&blob),
        ) {
            v.set_src(&url);
        }
    }

    pub fn discard(&self) {
        match (
            self.session.get_value(),
            self.current.get_value(),
            self.journal.get_value(),
        ) {
            (Some(s), _, _) => s.abort(),
            (None, Some(meta), Some(j)) => Session::discard(self.api.get_value(), j, meta),
            _ => {}
        }
        self.session.set_value(None);
        self.current.set_value(None);
        self.screen
            .set(if self.stream.with_untracked(Option::is_some) {
                Screen::Preview
            } else {
                Screen::Intro
            });
    }

    pub fn send(self) {
        let sess = match (
            self.session.get_value(),
            self.current.get_value(),
            self.journal.get_value(),
        ) {
            (Some(s), _, _) => s,
            (None, Some(meta), Some(j)) => {
                Session::open(self.api.get_value(), j, meta, self.callbacks())
            }
            _ => return,
        };
        self.screen.set(Screen::Sending(Progress {
            sent: 0,
            total: 0,
            eta_ms: None,
        }));
        self.session.set_value(Some(sess.clone()));
        sess.send();
    }

    pub fn callbacks(self) -> Callbacks {
        Callbacks {
            progress: Rc::new(move |p: Progress| {
                if matches!(self.screen.get_untracked(), Screen::Sending(_)) {
                    self.emit(progress_event(&p));
                    self.screen.set(Screen::Sending(p));
                }
            }),
            done: Rc::new(move |r| {
                self.session.set_value(None);
                match r {
                    Ok(video) => {
                        self.current.set_value(None);
                        if !matches!(self.screen.get_untracked(), Screen::Sending(p) if p.percent() == 100)
                        {
                            self.emit(progress_event(&Progress {
                                sent: video.size,
                                total: video.size,
                                eta_ms: None,
                            }));
                        }
                        self.emit(RecorderEvent::Sent {
                            video_id: video.video_id.clone(),
                            share_url: video.media_url.clone(),
                        });
                        self.sent.set(Some(video));
                        self.screen.set(Screen::Sent);
                    }
                    Err(e) => {
                        // The session ended: a recorder still running would feed nobody.
                        if let Some(r) = self.recording.try_update_value(Option::take).flatten() {
                            spawn_local(async move {
                                r.stop().await;
                            });
                        }
                        let message = self.tr("err-send-kept", &[("message", e.message.into())]);
                        self.fail("send_failed", message, false);
                    }
                }
            }),
            created: Rc::new(move |u: &UploadSession| {
                self.server_limit.set(u.max_duration_ms);
                self.upload_id.set(Some(u.upload_id.clone()));
                crate::timers::send_poster(self);
            }),
        }
    }
}

fn progress_event(p: &Progress) -> RecorderEvent {
    RecorderEvent::UploadProgress {
        sent: p.sent,
        total: p.total,
        percent: p.percent(),
    }
}
