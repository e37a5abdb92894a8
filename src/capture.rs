//! Recording a video, in one place: [`use_recorder`] makes the state, the clocks and
//! the one dispatch function; each event goes through core's reducer, which alone
//! sets the screen, and each command it returns is carried out here.

use std::rc::Rc;

use leptos::prelude::*;
use vidreply_core::capture::clock_text;
use vidreply_core::protocol::UploadSession;
use vidreply_core::recorder::{Command, Event, Notice, Progress as ShownProgress, Screen, next};
use wasm_bindgen_futures::spawn_local;

use crate::camera::{CameraError, supported_mime_type};
use crate::ctl::{Ctl, Parts};
use crate::hooks::{
    UseCountdownOptions, UsePageHiddenOptions, UseRecordTimerOptions, use_countdown_with_options,
    use_journal, use_page_hidden_with_options, use_record_timer_with_options,
};
use crate::i18n::I18n;
use crate::journal::RecordingMeta;
use crate::options::{OptionsError, RecorderOptions};
use crate::recorder::Recording;
use crate::session::{Callbacks, Session};
use vidreply_core::upload_drive::Progress;

/// The recorder's state with its clocks, page listeners and dispatcher, for one mount.
/// `refused` is why a link's options were refused (the page then says so and stops there).
pub fn use_recorder(options: RecorderOptions, refused: Option<OptionsError>) -> Ctl {
    let i18n = I18n::for_page(options.lang.as_deref());
    let first = match (&refused, &options.token) {
        (Some(e), _) => Screen::BadLink(i18n.tr(
            "bad-option",
            &[("detail", format!("{}: {}", e.field, e.message).into())],
        )),
        (None, None) => Screen::BadLink(i18n.t("bad-link")),
        (None, Some(_)) => Screen::Intro,
    };
    // The clocks call back into the recorder, which holds them: it is bound once made.
    let me = StoredValue::new_local(None::<Ctl>);
    let on = move |event: Event| {
        if let Some(ctl) = me.get_value() {
            ctl.dispatch(event);
        }
    };
    let countdown = use_countdown_with_options(
        UseCountdownOptions::default()
            .on_tick(move |n| on(Event::CountdownShows(n)))
            .on_done(move || on(Event::CountdownOver)),
    );
    let recording = StoredValue::new_local(None::<Recording>);
    let timer = use_record_timer_with_options(
        move || recording.with_value(|r| r.as_ref().map(Recording::elapsed_ms)),
        UseRecordTimerOptions::default().on_tick(move |elapsed_ms| {
            if let Some(ctl) = me.get_value() {
                let limit_ms = ctl.limit_ms();
                ctl.dispatch(Event::Tick {
                    elapsed_ms,
                    limit_ms,
                });
            }
        }),
    );
    let ctl = Ctl::new(Parts {
        options,
        first,
        i18n,
        dispatcher: dispatch,
        countdown,
        timer,
        journal: use_journal(),
        recording,
    });
    me.set_value(Some(ctl));
    // Hand the journal the chunk in progress when the page is hidden or closed, and
    // release the camera while hidden (a Genesys frame in the background, a phone
    // switching apps). A running recording is stopped and kept for review.
    use_page_hidden_with_options(
        UsePageHiddenOptions::default()
            .on_pagehide(move || flush(ctl))
            .on_hidden(move || {
                ctl.dispatch(Event::PageHidden {
                    camera_on: ctl.camera_on(),
                })
            }),
    );
    on_cleanup(move || ctl.release_camera());
    ctl
}

/// The one writer of the screen: the reducer's answer is shown, then carried out.
fn dispatch(ctl: Ctl, event: Event) {
    let Some((screen, commands)) = ctl.screen.try_with_untracked(|s| next(s, event)) else {
        return; // unmounted
    };
    if ctl.screen.with_untracked(|s| *s != screen) {
        ctl.set_screen.set(screen);
    }
    for c in commands {
        run(ctl, c);
    }
}

fn run(ctl: Ctl, command: Command) {
    match command {
        Command::Emit(e) => ctl.emit(e),
        Command::Notice(n) => ctl.notice.set(Some(match n {
            Notice::CameraReleased => ctl.t("camera-released"),
            Notice::FileChosen => ctl.t("file-chosen"),
            Notice::LimitReached { limit_ms } => {
                let limit = clock_text(limit_ms as f64);
                ctl.tr("limit-reached", &[("limit", limit.into())])
            }
        })),
        Command::OpenCamera => open_camera(ctl),
        Command::ReleaseCamera => ctl.release_camera(),
        Command::WarnIfLowSpace => spawn_local(crate::notices::warn_if_low_space(ctl)),
        Command::StartCountdown(s) => ctl.countdown.start(s),
        Command::StopCountdown => ctl.countdown.stop(),
        Command::BeginRecording => begin(ctl),
        Command::PauseRecorder => ctl.recording.update_value(|r| {
            if let Some(r) = r.as_mut() {
                r.pause();
            }
        }),
        Command::ResumeRecorder => ctl.recording.update_value(|r| {
            if let Some(r) = r.as_mut() {
                r.resume();
            }
        }),
        Command::FlushRecorder => flush(ctl),
        Command::StopRecorder(cause) => {
            let Some(r) = take_recording(ctl) else { return };
            crate::browser::mark("vr:stop");
            if let Some(s) = ctl.session.get_value() {
                s.stopping();
            }
            spawn_local(async move {
                let duration_ms = r.stop().await;
                crate::browser::mark("vr:recorder-stopped");
                ctl.timer.set(duration_ms);
                if let Some(s) = ctl.session.get_value() {
                    s.stopped(duration_ms);
                    s.review(move |b| ctl.show_review(b));
                }
                ctl.dispatch(Event::Stopped { duration_ms, cause });
            });
        }
        Command::DropRecorder => {
            if let Some(r) = take_recording(ctl) {
                spawn_local(async move {
                    r.stop().await;
                });
            }
        }
        Command::StartRecordTimer => ctl.timer.start(),
        Command::TakePoster => crate::poster::take_poster(ctl),
        Command::ShowUnsent => {
            if let Some((meta, blob)) = ctl.found.try_update_value(Option::take).flatten() {
                ctl.show_review(blob);
                ctl.current.set_value(Some(meta));
            }
        }
        Command::SendRecording => send(ctl),
        Command::DiscardRecording => discard(ctl),
    }
}

fn flush(ctl: Ctl) {
    ctl.recording
        .with_value(|r| r.as_ref().map(Recording::flush));
}

/// The running recorder, taken (so it is stopped once), with its timer stopped.
fn take_recording(ctl: Ctl) -> Option<Recording> {
    let r = ctl.recording.try_update_value(Option::take).flatten()?;
    ctl.timer.stop();
    Some(r)
}

/// Open the camera as chosen, show it, and list the devices there are.
fn open_camera(ctl: Ctl) {
    ctl.release_camera();
    spawn_local(async move {
        let d = ctl.devices;
        match crate::devices::open_camera(&d.choice.get_untracked()).await {
            Ok(s) => {
                if let Some(v) = ctl.preview.get_untracked() {
                    v.set_src_object(Some(&s));
                }
                let (cam, mic) = crate::devices::in_use(&s);
                // The pickers are filled before the preview shows, so the page does not
                // shift under a finger (or a WebDriver click) aimed at Start recording.
                let (cams, mics) = crate::devices::list().await;
                d.cams.set(cams);
                d.mics.set(mics);
                d.choice.update(|c| {
                    c.camera = c.camera.take().or(cam);
                    c.microphone = c.microphone.take().or(mic);
                });
                ctl.stream.set(Some(s));
                ctl.dispatch(Event::CameraReady);
            }
            Err(e) => ctl.camera_failed(e),
        }
    });
}

/// A new recording of `mime`: its journal entry and its upload session, for the
/// camera and a chosen file alike. `None` once the failure is shown.
pub async fn open_session(ctl: Ctl, mime: String) -> Option<(Session, RecordingMeta)> {
    let conversation = ctl.opts.with_value(|o| o.conversation_id.clone());
    let mut meta = RecordingMeta::new(
        crate::browser::new_id(),
        conversation,
        mime,
        js_sys::Date::now(),
    );
    meta.link_expires_at_ms = ctl
        .opts
        .with_value(|o| o.token.as_deref().and_then(crate::notices::token_expiry_ms));
    let saved = match ctl.journal.open().await {
        Ok(j) => j.save(&meta).await.map(|()| j),
        Err(e) => Err(e),
    };
    let j = match saved {
        Ok(j) => j,
        Err(e) => {
            ctl.fail("storage_unavailable", e.to_string(), true);
            return None;
        }
    };
    ctl.upload_id.set(None);
    ctl.poster.set_value(None);
    let sess = Session::open(ctl.api.get_value(), j, meta.clone(), callbacks(ctl));
    Some((sess, meta))
}

/// Start the recorder: journal first, then MediaRecorder, uploading as it goes.
fn begin(ctl: Ctl) {
    let Some(mime) = supported_mime_type() else {
        return ctl.camera_failed(CameraError::Unsupported);
    };
    // The camera went away between the preview and Start: open it again.
    let Some(s) = ctl.stream.get_untracked() else {
        return ctl.dispatch(Event::OpenCamera);
    };
    let navigator = crate::browser::window().navigator();
    if let Some(st) = crate::browser::present::<web_sys::StorageManager>(&navigator, "storage") {
        let _ = st.persist();
    }
    spawn_local(async move {
        let Some((sess, meta)) = open_session(ctl, mime.into()).await else {
            return;
        };
        let sink = sess.clone();
        let interrupted =
            move || ctl.dispatch(Event::Stop(vidreply_core::recorder::StopCause::Interrupted));
        match Recording::start(&s, move |b| sink.chunk(b), interrupted) {
            Ok(r) => {
                let mime_type = r.mime_type().into();
                ctl.recording.set_value(Some(r));
                ctl.session.set_value(Some(sess));
                ctl.current.set_value(Some(meta));
                ctl.dispatch(Event::RecordingStarted { mime_type });
            }
            Err(e) => {
                sess.abort();
                ctl.camera_failed(e);
            }
        }
    });
}

fn send(ctl: Ctl) {
    let sess = match (
        ctl.session.get_value(),
        ctl.current.get_value(),
        ctl.journal.get(),
    ) {
        (Some(s), _, _) => s,
        (None, Some(meta), Some(j)) => Session::open(ctl.api.get_value(), j, meta, callbacks(ctl)),
        _ => return,
    };
    ctl.session.set_value(Some(sess.clone()));
    sess.send();
}

fn discard(ctl: Ctl) {
    match (
        ctl.session.get_value(),
        ctl.current.get_value(),
        ctl.journal.get(),
    ) {
        (Some(s), _, _) => s.abort(),
        (None, Some(meta), Some(j)) => Session::discard(ctl.api.get_value(), j, meta),
        _ => {}
    }
    ctl.session.set_value(None);
    ctl.current.set_value(None);
}

fn callbacks(ctl: Ctl) -> Callbacks {
    Callbacks {
        progress: Rc::new(move |p: Progress| {
            ctl.dispatch(Event::Progress(ShownProgress {
                sent: p.sent,
                total: p.total,
                eta_ms: p.eta_ms,
            }))
        }),
        done: Rc::new(move |r| {
            ctl.session.set_value(None);
            match r {
                Ok(video) => {
                    ctl.current.set_value(None);
                    let event = Event::Sent {
                        video_id: video.video_id.clone(),
                        share_url: video.media_url.clone(),
                        size: video.size,
                    };
                    ctl.sent.set(Some(video));
                    ctl.dispatch(event);
                }
                Err(e) => {
                    let message = ctl.tr("err-send-kept", &[("message", e.message.into())]);
                    ctl.dispatch(Event::SendFailed { message });
                }
            }
        }),
        created: Rc::new(move |u: &UploadSession| {
            ctl.server_limit.set(u.max_duration_ms);
            ctl.upload_id.set(Some(u.upload_id.clone()));
            crate::poster::send_poster(ctl);
        }),
    }
}
