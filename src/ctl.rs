//! The recorder's state, which every view piece holds (`Ctl` is `Copy`: signals and
//! stored values only). The screen is read here and written in one place: the
//! dispatch function `capture` installs, which asks core's reducer
//! ([`vidreply_core::recorder::next`]) for the next screen.

use leptos::html::Video;
use leptos::prelude::*;
use vidreply_core::protocol::Video as SentVideo;
use vidreply_core::recorder::{Event, Screen};
use web_sys::{Blob, MediaStream};

use crate::api::Api;
use crate::camera::{CameraError, stop_stream};
use crate::devices::{Device, DeviceChoice};
use crate::hooks::{UseCountdownReturn, UseJournalReturn, UseRecordTimerReturn};
use crate::i18n::{Arg, I18n};
use crate::journal::RecordingMeta;
use crate::options::{Mode, RecorderEvent, RecorderOptions};
use crate::recorder::Recording;
use crate::session::Session;

pub type Local<T> = StoredValue<T, LocalStorage>;

/// The cameras and microphones there are, and which the person chose.
#[derive(Clone, Copy)]
pub struct Devices {
    pub cams: RwSignal<Vec<Device>>,
    pub mics: RwSignal<Vec<Device>>,
    pub choice: RwSignal<DeviceChoice>,
}

#[derive(Clone, Copy)]
pub struct Ctl {
    /// What is on show. Written only by the dispatch function (see [`Ctl::dispatch`]).
    pub screen: ReadSignal<Screen>,
    pub(crate) set_screen: WriteSignal<Screen>,
    dispatcher: fn(Ctl, Event),
    /// Things worth knowing that are not the current step (low space, limit reached…).
    pub notice: RwSignal<Option<String>>,
    pub i18n: Local<I18n>,
    pub opts: Local<RecorderOptions>,
    pub api: Local<Api>,
    pub stream: RwSignal<Option<MediaStream>, LocalStorage>,
    pub devices: Devices,
    pub preview: NodeRef<Video>,
    pub review: NodeRef<Video>,
    pub countdown: UseCountdownReturn,
    pub timer: UseRecordTimerReturn,
    pub recording: Local<Option<Recording>>,
    pub session: Local<Option<Session>>,
    pub journal: UseJournalReturn,
    /// The recording being reviewed or resumed (its journal entry).
    pub current: Local<Option<RecordingMeta>>,
    /// An unsent recording the journal kept, until the reducer says to offer it.
    pub found: Local<Option<(RecordingMeta, Blob)>>,
    /// The server's duration limit for this upload, once known.
    pub server_limit: RwSignal<Option<u64>>,
    pub upload_id: RwSignal<Option<String>>,
    pub poster: Local<Option<Blob>>,
    /// What the server returned on completion (agent mode shares it).
    pub sent: RwSignal<Option<SentVideo>>,
}

/// What [`Ctl::new`] is handed by the one who made the clocks and the dispatcher.
pub struct Parts {
    pub options: RecorderOptions,
    /// The first screen (a refused link shows why).
    pub first: Screen,
    pub i18n: I18n,
    pub dispatcher: fn(Ctl, Event),
    pub countdown: UseCountdownReturn,
    pub timer: UseRecordTimerReturn,
    pub journal: UseJournalReturn,
    pub recording: Local<Option<Recording>>,
}

impl Ctl {
    pub fn new(p: Parts) -> Self {
        let api = Api::new(
            p.options.endpoint.clone(),
            p.options.token.clone().unwrap_or_default(),
        );
        let (screen, set_screen) = signal(p.first);
        Self {
            screen,
            set_screen,
            dispatcher: p.dispatcher,
            notice: RwSignal::new(None),
            i18n: StoredValue::new_local(p.i18n),
            opts: StoredValue::new_local(p.options),
            api: StoredValue::new_local(api),
            stream: RwSignal::new_local(None),
            devices: Devices {
                cams: RwSignal::new(vec![]),
                mics: RwSignal::new(vec![]),
                choice: RwSignal::new(DeviceChoice::default()),
            },
            preview: NodeRef::new(),
            review: NodeRef::new(),
            countdown: p.countdown,
            timer: p.timer,
            recording: p.recording,
            session: StoredValue::new_local(None),
            journal: p.journal,
            current: StoredValue::new_local(None),
            found: StoredValue::new_local(None),
            server_limit: RwSignal::new(None),
            upload_id: RwSignal::new(None),
            poster: StoredValue::new_local(None),
            sent: RwSignal::new(None),
        }
    }

    /// Something happened: the reducer picks the next screen and what to do.
    pub fn dispatch(self, event: Event) {
        (self.dispatcher)(self, event)
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
    pub fn camera_on(&self) -> bool {
        self.stream.with_untracked(Option::is_some)
    }

    /// Show a failure and tell the page (`error` event with a stable code).
    pub fn fail(self, code: &str, message: String, retry_camera: bool) {
        self.dispatch(Event::Failed {
            code: code.into(),
            message,
            retry_camera,
        });
    }

    pub fn camera_failed(self, e: CameraError) {
        let message = self.i18n.with_value(|i| e.message(i));
        self.fail(e.code(), message, true);
    }

    /// Use another camera, microphone or facing (only before recording).
    pub fn choose(self, f: impl FnOnce(&mut DeviceChoice)) {
        if !self.screen.with_untracked(Screen::offers_devices) {
            return;
        }
        self.devices.choice.update(f);
        self.dispatch(Event::OpenCamera);
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

    pub fn show_review(&self, blob: Blob) {
        if let (Some(v), Ok(url)) = (
            self.review.get_untracked(),
            web_sys::Url::create_object_url_with_blob(&blob),
        ) {
            v.set_src(&url);
        }
    }
}
