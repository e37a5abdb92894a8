//! The poster: one frame of the recording, drawn on a canvas from the (unmirrored)
//! camera and encoded as JPEG in the browser about a second in, then sent with the
//! upload once it exists.

use std::time::Duration;

use leptos::prelude::*;
use vidreply_core::policy::POSTER_RETRY;
use vidreply_core::recorder::Screen;
use vidreply_core::{Verdict, classify};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement};

use crate::browser::{now_ms, sleep_until};
use crate::ctl::Ctl;

/// Widest poster made; the server takes up to 1 MiB.
pub const POSTER_MAX_WIDTH: u32 = 640;
pub const POSTER_QUALITY: f64 = 0.8;

/// A JPEG of what `video` shows now, or `None` before it has a frame.
pub async fn capture(video: &HtmlVideoElement) -> Option<Blob> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let scale = (f64::from(POSTER_MAX_WIDTH) / f64::from(w)).min(1.0);
    let (cw, ch) = (
        (f64::from(w) * scale).round(),
        (f64::from(h) * scale).round(),
    );
    let canvas: HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width(cw as u32);
    canvas.set_height(ch as u32);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, cw, ch)
        .ok()?;
    let blob = js_sys::Promise::new(&mut |resolve, _| {
        let r = resolve.clone();
        let cb = Closure::once_into_js(move |b: wasm_bindgen::JsValue| {
            let _ = r.call1(&wasm_bindgen::JsValue::NULL, &b);
        });
        if canvas
            .to_blob_with_type_and_encoder_options(
                cb.unchecked_ref(),
                "image/jpeg",
                &POSTER_QUALITY.into(),
            )
            .is_err()
        {
            let _ = resolve.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::NULL);
        }
    });
    JsFuture::from(blob).await.ok()?.dyn_into().ok()
}

/// The poster is taken this far into the recording (or at Stop if sooner).
pub const POSTER_AT: Duration = Duration::from_millis(1000);

/// Take the poster from the live camera about a second in.
pub fn take_poster(ctl: Ctl) {
    spawn_local(async move {
        sleep_until(now_ms() + POSTER_AT.as_millis() as u64).await;
        if !ctl.screen.with_untracked(Screen::is_recording) {
            return;
        }
        let Some(video) = ctl.preview.get_untracked() else {
            return;
        };
        if let Some(jpeg) = capture(&video).await {
            ctl.poster.set_value(Some(jpeg));
            send_poster(ctl);
        }
    });
}

/// Send the poster once both it and the upload exist (best effort: processing
/// makes one from the video when none arrives).
pub fn send_poster(ctl: Ctl) {
    let (Some(jpeg), Some(upload)) = (ctl.poster.get_value(), ctl.upload_id.get_untracked()) else {
        return;
    };
    ctl.poster.set_value(None);
    let api = ctl.api.get_value();
    spawn_local(async move {
        let mut failures = 0;
        while let Err(failure) = api.put_poster(&upload, &jpeg).await {
            failures += 1;
            if matches!(classify(&failure), Verdict::Fatal { .. }) {
                return;
            }
            let Some(wait) = POSTER_RETRY.next_delay_ms(failures, 0.0) else {
                return;
            };
            sleep_until(now_ms() + wait).await;
        }
    });
}
