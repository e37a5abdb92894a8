//! Adaptive playback, only once the viewer presses Start: hls.js (bundled, loaded
//! with a script tag only when this browser needs it) wherever Media Source
//! Extensions exist, as hls.js itself recommends, since it gives one behaviour
//! (ABR, errors, fallback) across Chromium, Firefox and desktop Safari; native
//! HLS where they do not (iPhone Safari); else, and after any HLS failure, the
//! MP4; when nothing plays, a text fallback. The path that ran is
//! [`Player::playback`].

use js_sys::{Array, Function, Object, Promise, Reflect};
use leptos::prelude::*;
use vidreply_core::protocol::WatchPage;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::HtmlVideoElement;

use super::listen::Listeners;

/// Where the page serves hls.js from (copied from `node_modules/hls.js/dist` by the build).
pub const HLS_JS: &str = "/vendor/hls.min.js";
const HLS_MIME: &str = "application/vnd.apple.mpegurl";

/// How the video is being played (`data-playback` on the watch page's root).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playback {
    HlsNative,
    HlsJs,
    Mp4,
    /// Nothing could play: the page shows the text fallback.
    Text,
}

impl Playback {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HlsNative => "hls-native",
            Self::HlsJs => "hls.js",
            Self::Mp4 => "mp4",
            Self::Text => "text",
        }
    }
}

/// An hls.js instance and its error callback, while it plays.
type HlsJs = (JsValue, Closure<dyn FnMut(JsValue, JsValue)>);

/// The player of one watch page, from [`use_player`].
#[derive(Clone, Copy)]
pub struct Player {
    /// `None` until Start.
    pub playback: RwSignal<Option<Playback>>,
    video: NodeRef<leptos::html::Video>,
    hls_url: StoredValue<Option<String>>,
    mp4_url: StoredValue<String>,
    hls: StoredValue<Option<HlsJs>, LocalStorage>,
}

/// A player for `video`. When this browser will need hls.js, its script starts
/// loading now (it fetches no media); nothing plays until [`Player::start`].
pub fn use_player(cfg: &WatchPage, video: NodeRef<leptos::html::Video>) -> Player {
    let p = Player {
        playback: RwSignal::new(None),
        video,
        hls_url: StoredValue::new(cfg.hls.clone()),
        mp4_url: StoredValue::new(cfg.mp4.clone()),
        hls: StoredValue::new_local(None),
    };
    if cfg.hls.is_some() && media_source() {
        spawn_local(async {
            let _ = load_hls_js().await;
        });
    }
    let listeners = Listeners::new();
    Effect::new(move |_| {
        if let Some(el) = video.get() {
            listeners.add(&el, "error", move |_| p.fall_back());
        }
    });
    on_cleanup(move || {
        listeners.remove_all();
        p.destroy_hls();
    });
    p
}

fn native_hls() -> bool {
    document()
        .create_element("video")
        .ok()
        .and_then(|v| v.dyn_into::<HtmlVideoElement>().ok())
        .is_some_and(|v| !v.can_play_type(HLS_MIME).is_empty())
}

/// Classic Media Source Extensions (not iPhone's ManagedMediaSource, where the
/// native player is the better choice).
fn media_source() -> bool {
    Reflect::has(&window(), &JsValue::from_str("MediaSource")).unwrap_or(false)
}

/// `window.Hls`, loading the bundled script first if needed.
async fn load_hls_js() -> Option<Function> {
    if let Some(h) = hls_ctor() {
        return Some(h);
    }
    let doc = document();
    let existing = doc
        .query_selector(&format!("script[src=\"{HLS_JS}\"]"))
        .ok()
        .flatten();
    let script: web_sys::HtmlScriptElement = match existing {
        Some(s) => s.dyn_into().ok()?,
        None => {
            let s: web_sys::HtmlScriptElement =
                doc.create_element("script").ok()?.dyn_into().ok()?;
            s.set_src(HLS_JS);
            doc.head()?.append_child(&s).ok()?;
            s
        }
    };
    let loaded = Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    // It may have finished loading between the check and the listener.
    if hls_ctor().is_none() {
        JsFuture::from(loaded).await.ok()?;
    }
    hls_ctor()
}

fn hls_ctor() -> Option<Function> {
    Reflect::get(&window(), &JsValue::from_str("Hls"))
        .ok()?
        .dyn_into()
        .ok()
}

fn call(target: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &JsValue::from_str(method))?.dyn_into()?;
    let args: Array = args.iter().copied().collect();
    f.apply(target, &args)
}

impl Player {
    /// The viewer pressed Start: pick a path and play.
    pub fn start(&self) {
        let p = *self;
        let Some(video) = p.video.get_untracked() else {
            return;
        };
        let hls = p.hls_url.get_value();
        match hls {
            Some(url) if media_source() => spawn_local(async move {
                match load_hls_js().await {
                    Some(ctor) if p.attach_hls_js(&ctor, &url, &video).is_ok() => {
                        p.playback.set(Some(Playback::HlsJs));
                        play(&video);
                    }
                    _ if native_hls() => p.play_native(&url),
                    _ => p.play_mp4(),
                }
            }),
            Some(url) if native_hls() => p.play_native(&url),
            _ => p.play_mp4(),
        }
    }

    fn attach_hls_js(
        &self,
        ctor: &Function,
        url: &str,
        video: &HtmlVideoElement,
    ) -> Result<(), JsValue> {
        let supported = call(ctor, "isSupported", &[])?.as_bool().unwrap_or(false);
        if !supported {
            return Err(JsValue::NULL);
        }
        let config = Object::new();
        // No blob: workers (the CSP allows scripts from this origin only).
        Reflect::set(&config, &"enableWorker".into(), &JsValue::FALSE)?;
        let hls = Reflect::construct(ctor, &Array::of1(&config))?;
        let events = Reflect::get(ctor, &"Events".into())?;
        let error_event = Reflect::get(&events, &"ERROR".into())?;
        let p = *self;
        let on_error = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |_, data: JsValue| {
            let fatal = Reflect::get(&data, &"fatal".into())
                .ok()
                .and_then(|f| f.as_bool())
                .unwrap_or(false);
            if fatal {
                p.fall_back();
            }
        });
        call(&hls, "on", &[&error_event, on_error.as_ref()])?;
        call(&hls, "loadSource", &[&JsValue::from_str(url)])?;
        call(&hls, "attachMedia", &[video.as_ref()])?;
        self.destroy_hls();
        self.hls.set_value(Some((hls, on_error)));
        Ok(())
    }

    fn destroy_hls(&self) {
        if let Some(Some((hls, _cb))) = self.hls.try_update_value(Option::take) {
            let _ = call(&hls, "destroy", &[]);
        }
    }

    fn play_native(&self, url: &str) {
        let Some(video) = self.video.get_untracked() else {
            return;
        };
        self.playback.set(Some(Playback::HlsNative));
        video.set_src(url);
        play(&video);
    }

    fn play_mp4(&self) {
        let Some(video) = self.video.get_untracked() else {
            return;
        };
        self.playback.set(Some(Playback::Mp4));
        video.set_src(&self.mp4_url.get_value());
        play(&video);
    }

    /// The current path failed: HLS falls back to the MP4, the MP4 to the text.
    fn fall_back(&self) {
        match self.playback.get_untracked() {
            Some(Playback::HlsNative | Playback::HlsJs) => {
                self.destroy_hls();
                self.play_mp4();
            }
            Some(Playback::Mp4) => {
                if let Some(v) = self.video.get_untracked() {
                    v.remove_attribute("src").ok();
                    v.load();
                }
                self.playback.set(Some(Playback::Text));
            }
            _ => {}
        }
    }
}

/// Ask the element to play; a refusal (no user gesture left) leaves its controls
/// for the viewer, and a failure to load shows up as the element's `error`.
fn play(video: &HtmlVideoElement) {
    if let Ok(promise) = video.play() {
        spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}
