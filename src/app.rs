//! The capture page: explain, open the camera, record, review, send; or resume a
//! recording the journal kept from an earlier visit.

use std::rc::Rc;

use leptos::ev;
use leptos::html::Video;
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::MediaStream;

use crate::api::Api;
use crate::context::CaptureContext;
use crate::journal::{Journal, RecordingMeta};
use crate::recorder::{Recording, open_camera, stop_stream, supported_mime_type};
use crate::session::{Callbacks, Session};
use crate::upload::Progress;

#[derive(Debug, Clone, PartialEq)]
enum Screen {
    Intro,
    Opening,
    Preview,
    Recording,
    Review,
    /// The camera or microphone went away mid-recording; what was recorded is kept.
    Interrupted,
    /// A recording from an earlier visit was found in the journal.
    Resume,
    Sending(Progress),
    Sent,
    /// `retry_camera` says which way forward the person gets.
    Failed {
        message: String,
        retry_camera: bool,
    },
    BadLink(String),
}

fn status_text(s: &Screen) -> String {
    match s {
        Screen::Intro => {
            "We will ask to use your camera and microphone so you can record a short video reply."
                .into()
        }
        Screen::Opening => "Waiting for camera permission…".into(),
        Screen::Preview => "Camera ready. Press Start recording when you are.".into(),
        Screen::Recording => "Recording…".into(),
        Screen::Review => "Recording finished. Watch it back, then send it or record again.".into(),
        Screen::Interrupted => "Recording stopped because the camera or microphone was taken away (a call, or permission withdrawn). What you recorded so far is kept: send it or record again.".into(),
        Screen::Resume => {
            "Your earlier recording was kept on this device. You can send it now.".into()
        }
        Screen::Sending(p) => match p.eta_ms {
            Some(ms) if ms >= 1000 => format!("Sending… {}% · about {} s left", p.percent(), ms.div_ceil(1000)),
            _ => format!("Sending… {}%", p.percent()),
        },
        Screen::Sent => "Sent".into(),
        Screen::Failed { message, .. } | Screen::BadLink(message) => message.clone(),
    }
}

/// Below this much free space the person is warned before recording.
const LOW_SPACE_BYTES: f64 = 200.0 * 1024.0 * 1024.0;
/// About a minute of 2.5 Mb/s video.
const BYTES_PER_MINUTE: f64 = 2.5e6 / 8.0 * 60.0;

/// Free space the browser lets this site use, if it says.
async fn free_space() -> Option<f64> {
    let p = window().navigator().storage().estimate().ok()?;
    let est: web_sys::StorageEstimate = wasm_bindgen_futures::JsFuture::from(p).await.ok()?.into();
    Some(est.get_quota()? - est.get_usage().unwrap_or(0.0))
}

/// When a capture token stops working, from its `exp` claim (unix ms).
fn token_expiry_ms(token: &str) -> Option<f64> {
    use base64::Engine;
    let claims = token.split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&json).ok()?;
    Some(v.get("exp")?.as_f64()? * 1000.0)
}

fn new_id() -> String {
    let c = window().crypto().ok();
    c.map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("rec-{}", js_sys::Date::now()))
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = CaptureContext::from_location();
    let initial = match &ctx.token {
        None => Screen::BadLink(
            "This link is incomplete: it has no access token. Ask for a new link.".into(),
        ),
        Some(_) => Screen::Intro,
    };
    let conversation = ctx.conversation_id.clone().unwrap_or_default();
    let conversation_id = StoredValue::new(conversation.clone());
    let token = StoredValue::new(ctx.token.clone().unwrap_or_default());
    let screen = RwSignal::new(initial);
    // Things worth knowing that are not the current step (low space, a stale recording removed).
    let notice = RwSignal::new(None::<String>);
    let stream = StoredValue::new_local(None::<MediaStream>);
    let recording = StoredValue::new_local(None::<Recording>);
    let session = StoredValue::new_local(None::<Session>);
    let journal = StoredValue::new_local(None::<Journal>);
    // The recording being reviewed or resumed (its journal entry).
    let current = StoredValue::new_local(None::<RecordingMeta>);
    let preview = NodeRef::<Video>::new();
    let review = NodeRef::<Video>::new();
    let origin = window().location().origin().unwrap_or_default();
    let api = StoredValue::new_local(Api::new(origin, ctx.token.clone().unwrap_or_default()));

    let show_review = move |blob: web_sys::Blob| {
        if let (Some(v), Ok(url)) = (
            review.get_untracked(),
            web_sys::Url::create_object_url_with_blob(&blob),
        ) {
            v.set_src(&url);
        }
    };
    let callbacks = move || Callbacks {
        progress: Rc::new(move |p| {
            if matches!(screen.get_untracked(), Screen::Sending(_)) {
                screen.set(Screen::Sending(p));
            }
        }),
        done: Rc::new(move |r| {
            session.set_value(None);
            match r {
                Ok(_) => {
                    current.set_value(None);
                    screen.set(Screen::Sent)
                }
                Err(e) => screen.set(Screen::Failed {
                    message: {
                        // The session ended: a recorder still running would feed nobody.
                        if let Some(r) = recording.try_update_value(|r| r.take()).flatten() {
                            spawn_local(async move {
                                r.stop().await;
                            });
                        }
                        format!(
                            "{} Your recording is kept on this device; you can try again.",
                            e.message
                        )
                    },
                    retry_camera: false,
                }),
            }
        }),
    };

    // Open the journal; offer to resume what an earlier visit left behind.
    if ctx.token.is_some() {
        spawn_local(async move {
            let Ok(j) = Journal::open().await else { return };
            journal.set_value(Some(j.clone()));
            let now = js_sys::Date::now();
            for stale in j
                .list()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|m| m.is_stale(now))
            {
                let _ = j.remove(&stale.id).await;
                let when = js_sys::Date::new(&stale.created_at_ms.into())
                    .to_locale_string("default", &JsValue::UNDEFINED);
                notice.set(Some(format!(
                    "A recording from {} that was never sent can no longer be sent (its link expired) and was removed from this device.",
                    String::from(when)
                )));
            }
            let found = j
                .list()
                .await
                .unwrap_or_default()
                .into_iter()
                .rev()
                .find(|m| m.conversation_id == conversation);
            if let Some(meta) = found
                && let Ok(blob) = j.blob(&meta).await
            {
                // Offer it only if the person has not moved on meanwhile.
                if screen.get_untracked() == Screen::Intro {
                    show_review(blob);
                    current.set_value(Some(meta));
                    screen.set(Screen::Resume);
                }
            }
        });
    }

    // Hand the journal the chunk in progress when the page is hidden or closed.
    let flush = move || {
        recording.with_value(|r| r.as_ref().map(Recording::flush));
    };
    let on_hide = window_event_listener(ev::pagehide, move |_| flush());
    let on_hidden = window_event_listener(ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            flush();
        }
    });
    on_cleanup(move || {
        on_hide.remove();
        on_hidden.remove();
        if let Some(s) = stream.try_update_value(|s| s.take()).flatten() {
            stop_stream(&s);
        }
    });

    let open = move |_| {
        screen.set(Screen::Opening);
        spawn_local(async move {
            match open_camera().await {
                Ok(s) => {
                    if let Some(v) = preview.get_untracked() {
                        v.set_src_object(Some(&s));
                    }
                    stream.set_value(Some(s));
                    screen.set(Screen::Preview);
                    if let Some(free) = free_space().await
                        && free < LOW_SPACE_BYTES
                    {
                        notice.set(Some(format!(
                            "This device has only about {} MB free for recordings (roughly {} minutes of video). Free up space before a long recording.",
                            (free / 1e6) as u64,
                            (free / BYTES_PER_MINUTE) as u64
                        )));
                    }
                }
                Err(e) => screen.set(Screen::Failed {
                    message: e.message(),
                    retry_camera: true,
                }),
            }
        });
    };
    // Stop recording (by the person, or because the camera was taken away) and review.
    let finish = move |next: Screen| {
        let Some(r) = recording.try_update_value(|r| r.take()).flatten() else {
            return;
        };
        spawn_local(async move {
            let duration = r.stop().await;
            if let Some(s) = session.get_value() {
                s.stopped(duration);
                s.review(show_review);
            }
            screen.set(next);
        });
    };
    let start = move |_| {
        let (Some(j), Some(s), Some(mime)) = (
            journal.get_value(),
            stream.get_value(),
            supported_mime_type(),
        ) else {
            let message = "This browser cannot keep the recording safe on this device (is it in private mode?).".into();
            return screen.set(Screen::Failed {
                message,
                retry_camera: true,
            });
        };
        let mut meta = RecordingMeta::new(new_id(), conversation_id.get_value(), mime);
        meta.link_expires_at_ms = token_expiry_ms(&token.get_value());
        let _ = window().navigator().storage().persist();
        spawn_local(async move {
            if let Err(e) = j.save(&meta).await {
                return screen.set(Screen::Failed {
                    message: e.to_string(),
                    retry_camera: true,
                });
            }
            let sess = Session::open(api.get_value(), j, meta.clone(), callbacks());
            let sink = sess.clone();
            let interrupted = move || finish(Screen::Interrupted);
            match Recording::start(&s, move |b| sink.chunk(b), interrupted) {
                Ok(r) => {
                    recording.set_value(Some(r));
                    session.set_value(Some(sess));
                    current.set_value(Some(meta));
                    screen.set(Screen::Recording);
                }
                Err(e) => {
                    sess.abort();
                    screen.set(Screen::Failed {
                        message: e.message(),
                        retry_camera: true,
                    });
                }
            }
        });
    };
    let stop = move |_| finish(Screen::Review);
    let discard = move |_| {
        match (
            session.get_value(),
            current.get_value(),
            journal.get_value(),
        ) {
            (Some(s), _, _) => s.abort(),
            (None, Some(meta), Some(j)) => Session::discard(api.get_value(), j, meta),
            _ => {}
        }
        session.set_value(None);
        current.set_value(None);
        screen.set(if stream.with_value(Option::is_some) {
            Screen::Preview
        } else {
            Screen::Intro
        });
    };
    let send = move |_| {
        let sess = match (
            session.get_value(),
            current.get_value(),
            journal.get_value(),
        ) {
            (Some(s), _, _) => s,
            (None, Some(meta), Some(j)) => Session::open(api.get_value(), j, meta, callbacks()),
            _ => return,
        };
        screen.set(Screen::Sending(Progress {
            sent: 0,
            total: 0,
            eta_ms: None,
        }));
        session.set_value(Some(sess.clone()));
        sess.send();
    };

    let is = move |f: fn(&Screen) -> bool| move || screen.with(f);
    view! {
        <main class="vr-capture">
            <h1>"Record a video reply"</h1>
            <p class="vr-status" role="status" aria-live="polite">{move || screen.with(status_text)}</p>
            <p class="vr-notice" aria-live="polite" hidden=move || notice.with(Option::is_none)>
                {move || notice.get().unwrap_or_default()}
            </p>
            <video node_ref=preview class="vr-preview" muted=true autoplay=true playsinline=true
                prop:muted=true aria-label="Camera preview"
                hidden=move || !screen.with(|s| matches!(s, Screen::Preview | Screen::Recording))></video>
            <video node_ref=review class="vr-review" controls=true playsinline=true aria-label="Your recording"
                hidden=move || !screen.with(|s| matches!(s, Screen::Review | Screen::Interrupted | Screen::Resume))></video>
            <progress max="100" hidden=move || !screen.with(|s| matches!(s, Screen::Sending(_)))
                value=move || screen.with(|s| match s { Screen::Sending(p) => p.percent(), _ => 0 })>
            </progress>
            <div class="vr-actions">
                <Show when=is(|s| matches!(s, Screen::Intro | Screen::Failed { retry_camera: true, .. }))>
                    <button on:click=open>"Allow camera"</button>
                </Show>
                <Show when=is(|s| matches!(s, Screen::Preview))>
                    <button on:click=start>"Start recording"</button>
                </Show>
                <Show when=is(|s| matches!(s, Screen::Recording))>
                    <button on:click=stop>"Stop"</button>
                </Show>
                <Show when=is(|s| matches!(s, Screen::Resume))>
                    <button on:click=send>"Resume sending your video"</button>
                    <button on:click=discard>"Discard and record again"</button>
                </Show>
                <Show when=is(|s| matches!(s, Screen::Review | Screen::Interrupted | Screen::Failed { retry_camera: false, .. }))>
                    <button on:click=send>"Send"</button>
                    <button on:click=discard>"Retake"</button>
                </Show>
            </div>
            <Show when=is(|s| matches!(s, Screen::Sent))>
                <p class="vr-sent">"Your video was sent. You can close this page."</p>
            </Show>
        </main>
    }
}
