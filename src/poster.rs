//! The poster: one frame of the recording, drawn on a canvas from the (unmirrored)
//! camera and encoded as JPEG in the browser, then sent with the upload.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement};

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
