//! The watch page: a share link's video behind a "Start video" button (no
//! autoplay), adaptive playback ([`player`]) and honest telemetry ([`telemetry`]).
//! The link resolver puts the page's configuration in a `vidreply-watch` meta tag.

mod listen;
pub mod player;
pub mod telemetry;

use leptos::prelude::*;
use vidreply_core::protocol::{WATCH_META, WatchPage};

use crate::context::CaptureContext;
use crate::i18n::I18n;
use crate::options::Theme;
use player::{Playback, use_player};
use telemetry::use_telemetry;

/// The configuration the server put in the page, if this is a watch page.
pub fn page_config() -> Option<WatchPage> {
    let meta = document()
        .query_selector(&format!("meta[name=\"{WATCH_META}\"]"))
        .ok()??;
    serde_json::from_str(&meta.get_attribute("content")?).ok()
}

/// What the viewer sees of the playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ready,
    Loading,
    Playing,
    Paused,
    Ended,
}

/// The watch page.
#[component]
pub fn Watch(config: WatchPage) -> impl IntoView {
    crate::style::inject();
    let ctx = CaptureContext::from_location();
    let theme = ctx
        .theme
        .as_deref()
        .and_then(Theme::parse)
        .unwrap_or_default();
    let i18n = StoredValue::new_local(I18n::for_page(ctx.lang.as_deref()));
    let t = move |key: &'static str| i18n.with_value(|i| i.t(key));
    let lang = i18n.with_value(|i| i.lang());
    document().set_title(&t("watch-title"));
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", lang);
    }

    let video = NodeRef::<leptos::html::Video>::new();
    let player = use_player(&config, video);
    let tel = use_telemetry(&config, video);
    let phase = RwSignal::new(Phase::Ready);
    let started = move || phase.get() != Phase::Ready;
    let start = move |_| {
        phase.set(Phase::Loading);
        player.start();
        if let Some(v) = video.get_untracked() {
            let _ = v.focus();
        }
    };
    let text_only = move || player.playback.get() == Some(Playback::Text);
    let status = move || match (text_only(), phase.get()) {
        (true, _) => t("watch-cannot-play"),
        (_, Phase::Ready) => t("watch-intro"),
        (_, Phase::Loading) => t("watch-loading"),
        (_, Phase::Playing) => t("watch-playing"),
        (_, Phase::Paused) => t("watch-paused"),
        (_, Phase::Ended) => t("watch-ended"),
    };
    let mp4 = config.mp4.clone();
    let poster = config.poster.clone();

    view! {
        <main>
            <div class="vr-root vr-watch" lang=lang data-theme=theme.as_str()
                data-playback=move || player.playback.get().map(Playback::as_str)
                data-session=tel.session_id()>
                <h1 class="vr-title">{t("watch-title")}</h1>
                <p class="vr-status" role="status" aria-live="polite" aria-atomic="true">{status}</p>
                <video node_ref=video class="vr-player" playsinline=true preload="none"
                    poster=poster controls=started tabindex=move || if started() { "0" } else { "-1" }
                    aria-label=t("watch-label-video") hidden=text_only
                    on:playing=move |_| phase.set(Phase::Playing)
                    on:pause=move |_| {
                        if phase.get_untracked() == Phase::Playing {
                            phase.set(Phase::Paused)
                        }
                    }
                    on:ended=move |_| phase.set(Phase::Ended)></video>
                <div class="vr-actions" hidden=started>
                    <button type="button" data-primary on:click=start>{t("watch-start")}</button>
                </div>
                <p class="vr-fallback" hidden=move || !text_only()>
                    <a href=mp4 download>{t("watch-download")}</a>
                </p>
            </div>
        </main>
    }
}
