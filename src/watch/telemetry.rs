//! Honest telemetry: the player's media events feed core's [`WatchSession`], which
//! decides what was really watched; its events go to `/api/v1/telemetry` in
//! batches (one request at a time, so the server receives them in order), and
//! whatever is pending leaves with `navigator.sendBeacon` when the page is hidden
//! or closed.

use std::time::Duration;

use leptos::prelude::*;
use vidreply_core::protocol::{TelemetryBatch, TelemetryEvent, WatchPage};
use vidreply_core::watch::{Observation, WatchConfig, WatchSession};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Headers, HtmlVideoElement, RequestInit};

use super::listen::Listeners;
use crate::browser::now_ms;

/// A batch leaves at least this often while events are pending…
pub const FLUSH_EVERY: Duration = Duration::from_secs(3);
/// …or as soon as this many are pending.
pub const BATCH_MAX: usize = 10;

type Local<T> = StoredValue<T, LocalStorage>;

/// Who is watching what, and the token to report it with.
#[derive(Clone)]
struct Context {
    token: String,
    session_id: String,
    video_id: String,
    conversation_id: String,
}

/// The telemetry of one watch page, from [`use_telemetry`].
#[derive(Clone, Copy)]
pub struct Telemetry {
    session: Local<WatchSession>,
    pending: Local<Vec<TelemetryEvent>>,
    in_flight: Local<bool>,
    ctx: Local<Context>,
    video: NodeRef<leptos::html::Video>,
}

/// Feed `video`'s playback into a [`WatchSession`] and report its events. Listeners
/// and the flush timer are removed when the owner is cleaned up.
pub fn use_telemetry(cfg: &WatchPage, video: NodeRef<leptos::html::Video>) -> Telemetry {
    let mut session = WatchSession::new(WatchConfig::default());
    if let Some(d) = cfg.duration {
        session.observe(Observation::Duration(d), now_ms());
    }
    let t = Telemetry {
        session: StoredValue::new_local(session),
        pending: StoredValue::new_local(Vec::new()),
        in_flight: StoredValue::new_local(false),
        ctx: StoredValue::new_local(Context {
            token: cfg.token.clone(),
            session_id: cfg
                .session_id
                .clone()
                .unwrap_or_else(crate::browser::new_id),
            video_id: cfg.video_id.clone(),
            conversation_id: cfg.conversation_id.clone(),
        }),
        video,
    };
    let listeners = Listeners::new();
    Effect::new(move |_| {
        let Some(el) = video.get() else { return };
        let media = |name: &'static str, obs: fn(f64) -> Observation| {
            listeners.add(&el, name, move |_| t.observe_at(obs));
        };
        media("playing", Observation::Playing);
        media("timeupdate", Observation::TimeUpdate);
        // At the end the element fires `pause` before `ended`: that is no viewer's pause.
        let ended = el.clone();
        listeners.add(&el, "pause", move |_| {
            t.observe_at(if ended.ended() {
                Observation::Ended
            } else {
                Observation::Pause
            })
        });
        media("seeking", Observation::Seeking);
        media("seeked", Observation::Seeked);
        media("ended", Observation::Ended);
        for name in ["loadedmetadata", "durationchange"] {
            listeners.add(&el, name, move |_| t.observe_duration());
        }
    });
    let window = web_sys::window().expect("a browser window");
    listeners.add(&window, "pagehide", move |_| t.leave());
    listeners.add(&window, "visibilitychange", move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            t.leave();
        }
    });
    let timer = set_interval_with_handle(move || t.flush(), FLUSH_EVERY).ok();
    on_cleanup(move || {
        listeners.remove_all();
        if let Some(h) = timer {
            h.clear();
        }
    });
    t
}

impl Telemetry {
    /// The viewer session the events carry.
    pub fn session_id(&self) -> String {
        self.ctx.with_value(|c| c.session_id.clone())
    }

    fn current_time(&self) -> Option<f64> {
        self.video.get_untracked().map(|v| v.current_time())
    }

    fn observe_at(&self, obs: fn(f64) -> Observation) {
        if let Some(t) = self.current_time() {
            self.observe(obs(t));
        }
    }

    fn observe_duration(&self) {
        let d = self
            .video
            .get_untracked()
            .map(|v: HtmlVideoElement| v.duration());
        if let Some(d) = d.filter(|d| d.is_finite() && *d > 0.0) {
            self.observe(Observation::Duration(d));
        }
    }

    /// Feed one observation; queue the events it causes.
    pub fn observe(&self, obs: Observation) {
        let events = self
            .session
            .try_update_value(|s| s.observe(obs, now_ms()))
            .unwrap_or_default();
        if events.is_empty() {
            return;
        }
        let ctx = self.ctx.get_value();
        self.pending.update_value(|p| {
            p.extend(events.into_iter().map(|e| {
                e.into_telemetry(
                    crate::browser::new_id(),
                    ctx.session_id.clone(),
                    ctx.video_id.clone(),
                    ctx.conversation_id.clone(),
                )
            }))
        });
        if self.pending.with_value(Vec::len) >= BATCH_MAX {
            self.flush();
        }
    }

    /// Send the pending events with `fetch`, unless a request is already out (its
    /// completion sends the rest, so batches arrive in order).
    pub fn flush(&self) {
        if self.in_flight.get_value() || self.pending.with_value(Vec::is_empty) {
            return;
        }
        let batch: Vec<TelemetryEvent> = self
            .pending
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        self.in_flight.set_value(true);
        let t = *self;
        let token = self.ctx.with_value(|c| c.token.clone());
        spawn_local(async move {
            let ok = post(&token, &batch).await;
            // Still on the page: a failed batch goes back in front, for the next tick.
            if !ok {
                let _ = t.pending.try_update_value(|p| {
                    p.splice(0..0, batch);
                });
            }
            let _ = t.in_flight.try_update_value(|f| *f = false);
            if t.pending.try_with_value(|p| p.len() >= BATCH_MAX) == Some(true) {
                t.flush();
            }
        });
    }

    /// The page is being hidden or closed: credit what played up to now, then hand
    /// the pending events to the browser with `sendBeacon`, which outlives the page.
    fn leave(&self) {
        if let Some(v) = self.video.get_untracked()
            && !v.paused()
        {
            self.observe(Observation::TimeUpdate(v.current_time()));
        }
        let batch: Vec<TelemetryEvent> = self
            .pending
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        let token = self.ctx.with_value(|c| c.token.clone());
        let body = serde_json::to_string(&TelemetryBatch {
            events: batch.clone(),
        })
        .expect("events serialise");
        let url = format!(
            "/api/v1/telemetry?token={}",
            js_sys::encode_uri_component(&token)
        );
        let queued = web_sys::window()
            .and_then(|w| {
                w.navigator()
                    .send_beacon_with_opt_str(&url, Some(&body))
                    .ok()
            })
            .unwrap_or(false);
        if !queued {
            // The browser refused the beacon (too large, or none): a keepalive fetch.
            spawn_local(async move {
                post(&token, &batch).await;
            });
        }
    }
}

/// POST one batch with the bearer token; true when the server took it (or refused
/// it for good: a 4xx other than 429 will not get better by retrying).
async fn post(token: &str, events: &[TelemetryEvent]) -> bool {
    let Ok(headers) = Headers::new() else {
        return false;
    };
    let _ = headers.set("authorization", &format!("Bearer {token}"));
    let _ = headers.set("content-type", "application/json");
    let body = serde_json::to_string(&TelemetryBatch {
        events: events.to_vec(),
    })
    .expect("events serialise");
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    // keepalive: a batch sent as the page closes still arrives.
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    let Some(w) = web_sys::window() else {
        return false;
    };
    match JsFuture::from(w.fetch_with_str_and_init("/api/v1/telemetry", &init)).await {
        Ok(res) => {
            let res: web_sys::Response = wasm_bindgen::JsCast::unchecked_into(res);
            let status = res.status();
            res.ok() || ((400..500).contains(&status) && status != 429)
        }
        Err(_) => false,
    }
}
