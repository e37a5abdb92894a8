//! The recorder: explain, open the camera, count down, record (pause, resume),
//! review, send; or resume a recording the journal kept from an earlier visit; or
//! send a video file when the camera cannot be used. Agent mode then shares it.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use vidreply_core::recorder::Screen;

use crate::agent::AgentShare;
use crate::capture::use_recorder;
use crate::context::CaptureContext;
use crate::controls::{Actions, Devices, Stage};
use crate::ctl::Ctl;
use crate::options::{OptionsError, RecorderOptions};

/// The standalone page: a share link's watch page when the server configured one
/// (its `vidreply-watch` meta tag), else the recorder, with options from the link's
/// query string (checked as `mount()` checks them) and the server on this origin.
#[component]
pub fn App() -> impl IntoView {
    if let Some(config) = crate::watch::page_config() {
        return view! { <crate::watch::Watch config=config /> }.into_any();
    }
    let ctx = CaptureContext::from_location();
    let origin = window().location().origin().unwrap_or_default();
    let (options, refused) = match RecorderOptions::from_link(&ctx, origin.clone()) {
        Ok(o) => (o, None),
        Err(e) => {
            web_sys::console::error_1(&e.to_string().into());
            // A link without a usable token says so, as it always has.
            let refused = (e.field != "token").then_some(e);
            (RecorderOptions::refused_link(&ctx, origin), refused)
        }
    };
    view! { <main><Recorder options=options refused=refused /></main> }.into_any()
}

/// The recorder, wherever it is mounted (standalone page, widget, Genesys frame).
/// `refused` says why a link's options were refused; it then shows only that.
#[component]
pub fn Recorder(
    options: RecorderOptions,
    #[prop(optional_no_strip)] refused: Option<OptionsError>,
) -> impl IntoView {
    crate::style::inject();
    let theme = options.theme.as_str();
    let usable = options.token.is_some() && refused.is_none();
    let ctl = use_recorder(options, refused);
    if usable {
        crate::notices::open_journal(ctl);
    }
    let root = NodeRef::<leptos::html::Div>::new();
    focus_follows_screen(ctl, root);

    let lang = ctl.i18n.with_value(|i| i.lang());
    let title = move || {
        ctl.t(if ctl.agent() {
            "title-agent"
        } else {
            "title-customer"
        })
    };
    let is = move |f: fn(&Screen) -> bool| move || ctl.screen.with(f);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let on_file = move |_| {
        let file = file_input
            .get_untracked()
            .and_then(|i: HtmlInputElement| i.files())
            .and_then(|f| f.get(0));
        if let Some(f) = file {
            crate::fallback::send_file(ctl, f);
        }
    };

    view! {
        <div class="vr-root" node_ref=root lang=lang data-theme=theme
            data-screen=move || ctl.screen.with(Screen::name)>
            <h1 class="vr-title" tabindex="-1">{title}</h1>
            <p class="vr-status" role="status" aria-live="polite" aria-atomic="true">
                {move || ctl.screen.with(|s| ctl.i18n.with_value(|i| crate::screen::status(s, i, ctl.agent())))}
            </p>
            <p class="vr-notice" aria-live="polite" hidden=move || ctl.notice.with(Option::is_none)>
                {move || ctl.notice.get().unwrap_or_default()}
            </p>
            <Stage ctl=ctl />
            <Devices ctl=ctl />
            <video node_ref=ctl.review class="vr-review" controls=true playsinline=true
                preload="metadata" aria-label=move || ctl.t("label-review")
                hidden=move || !ctl.screen.with(Screen::shows_review)></video>
            <progress max="100" aria-label=move || ctl.t("label-progress")
                hidden=move || !ctl.screen.with(|s| matches!(s, Screen::Sending(_)))
                value=move || ctl.screen.with(|s| match s { Screen::Sending(p) => p.percent(), _ => 0 })>
            </progress>
            <Actions ctl=ctl />
            <Show when=is(Screen::offers_file)>
                <label class="vr-file">
                    <input type="file" accept="video/*" node_ref=file_input on:change=on_file />
                    <span>{move || ctl.t("btn-upload-file")}</span>
                </label>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Sent))>
                {move || if ctl.agent() {
                    view! { <AgentShare ctl=ctl /> }.into_any()
                } else {
                    view! { <p class="vr-sent">{ctl.t("sent-detail")}</p> }.into_any()
                }}
            </Show>
        </div>
    }
}

/// After each change of screen, move focus to that screen's main action (or the
/// title), so a keyboard user never has to hunt for it.
fn focus_follows_screen(ctl: Ctl, root: NodeRef<leptos::html::Div>) {
    use wasm_bindgen::JsCast;
    Effect::new(move |prev: Option<&'static str>| {
        let name = ctl.screen.with(Screen::name);
        // Countdown numbers change the screen, not the step.
        if prev.is_some() && prev != Some(name) {
            request_animation_frame(move || {
                let Some(root) = root.get_untracked() else {
                    return;
                };
                let target = root
                    .query_selector("[data-primary]:not([disabled])")
                    .ok()
                    .flatten()
                    .or_else(|| root.query_selector(".vr-title").ok().flatten());
                if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = el.focus();
                }
            });
        }
        name
    });
}
