//! The capture page: explain, open the camera, record, review, send.

use leptos::html::Video;
use leptos::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::MediaStream;

use crate::api::Api;
use crate::context::CaptureContext;
use crate::recorder::{Recorded, Recording, open_camera, stop_stream};
use crate::upload::{Progress, send_recording};

#[derive(Debug, Clone, PartialEq)]
enum Screen {
    Intro,
    Opening,
    Preview,
    Recording,
    Review,
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
        Screen::Sending(p) => format!("Sending… {}%", p.percent()),
        Screen::Sent => "Sent".into(),
        Screen::Failed { message, .. } | Screen::BadLink(message) => message.clone(),
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = CaptureContext::from_location();
    let initial = match (&ctx.token, &ctx.conversation_id) {
        (None, _) => Screen::BadLink(
            "This link is incomplete: it has no access token. Ask for a new link.".into(),
        ),
        _ => Screen::Intro,
    };
    let screen = RwSignal::new(initial);
    let video_id = RwSignal::new(None::<String>);
    let stream = StoredValue::new_local(None::<MediaStream>);
    let recording = StoredValue::new_local(None::<Recording>);
    let recorded = StoredValue::new_local(None::<Recorded>);
    let preview = NodeRef::<Video>::new();
    let review = NodeRef::<Video>::new();
    let origin = window().location().origin().unwrap_or_default();
    let api = StoredValue::new(Api::new(origin, ctx.token.clone().unwrap_or_default()));

    on_cleanup(move || {
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
                }
                Err(e) => screen.set(Screen::Failed {
                    message: e.message(),
                    retry_camera: true,
                }),
            }
        });
    };
    let start = move |_| {
        let started = stream.with_value(|s| s.as_ref().map(Recording::start));
        match started {
            Some(Ok(r)) => {
                recording.set_value(Some(r));
                screen.set(Screen::Recording);
            }
            Some(Err(e)) => screen.set(Screen::Failed {
                message: e.message(),
                retry_camera: true,
            }),
            None => screen.set(Screen::Intro),
        }
    };
    let stop = move |_| {
        let Some(r) = recording.try_update_value(|r| r.take()).flatten() else {
            return;
        };
        spawn_local(async move {
            let done = r.stop().await;
            if let (Some(v), Ok(url)) = (
                review.get_untracked(),
                web_sys::Url::create_object_url_with_blob(&done.blob),
            ) {
                v.set_src(&url);
            }
            recorded.set_value(Some(done));
            screen.set(Screen::Review);
        });
    };
    let retake = move |_| {
        recorded.set_value(None);
        screen.set(if stream.with_value(Option::is_some) {
            Screen::Preview
        } else {
            Screen::Intro
        });
    };
    let send = move |_| {
        let Some((blob, mime, duration_ms)) = recorded.with_value(|r| {
            r.as_ref()
                .map(|r| (r.blob.clone(), r.mime_type, r.duration_ms))
        }) else {
            return;
        };
        let api = api.get_value();
        screen.set(Screen::Sending(Progress {
            confirmed: 0,
            total: blob.size() as u64,
        }));
        spawn_local(async move {
            let fail = |message: String| Screen::Failed {
                message: format!(
                    "{message} Your recording is kept on this page; you can try again."
                ),
                retry_camera: false,
            };
            let session = match api.create_upload(mime).await {
                Ok(s) => s,
                Err(f) => return screen.set(fail(describe(&f))),
            };
            let progress = move |p: Progress| screen.set(Screen::Sending(p));
            match send_recording(&api, &session, &blob, duration_ms, progress).await {
                Ok(video) => {
                    video_id.set(Some(video.video_id));
                    screen.set(Screen::Sent);
                }
                Err(e) => {
                    let _ = api.abort(&session.upload_id).await;
                    screen.set(fail(e.message));
                }
            }
        });
    };

    let is = move |f: fn(&Screen) -> bool| move || screen.with(f);
    view! {
        <main class="vr-capture">
            <h1>"Record a video reply"</h1>
            <p class="vr-status" role="status" aria-live="polite">{move || screen.with(status_text)}</p>
            <video node_ref=preview class="vr-preview" muted=true autoplay=true playsinline=true
                prop:muted=true aria-label="Camera preview"
                hidden=move || !screen.with(|s| matches!(s, Screen::Preview | Screen::Recording))></video>
            <video node_ref=review class="vr-review" controls=true playsinline=true aria-label="Your recording"
                hidden=move || !screen.with(|s| matches!(s, Screen::Review))></video>
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
                <Show when=is(|s| matches!(s, Screen::Review | Screen::Failed { retry_camera: false, .. }))>
                    <button on:click=send>"Send"</button>
                    <button on:click=retake>"Retake"</button>
                </Show>
            </div>
            <Show when=is(|s| matches!(s, Screen::Sent))>
                <p class="vr-sent">"Your video was sent. You can close this page."
                    <span hidden=true data-video-id=move || video_id.get().unwrap_or_default()></span></p>
            </Show>
        </main>
    }
}

/// A person-facing sentence for a failed API call.
fn describe(f: &vidreply_core::Failure) -> String {
    match vidreply_core::classify(f) {
        vidreply_core::Verdict::Fatal { message, .. } => message,
        vidreply_core::Verdict::WaitOnline => "You are offline.".into(),
        _ => "The server could not be reached.".into(),
    }
}
