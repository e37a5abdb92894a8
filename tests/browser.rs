//! wasm-bindgen tests that run in headless Chromium with a fake camera.
#![cfg(target_arch = "wasm32")]

use vidreply::context::CaptureContext;
use vidreply::recorder::{Recording, open_camera, stop_stream, supported_mime_type};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn negotiates_a_type_this_browser_records() {
    let t = supported_mime_type().expect("Chromium records video");
    assert!(web_sys::MediaRecorder::is_type_supported(t));
    // Debian's Chromium has no AAC encoder, so the AAC types must have been skipped.
    assert!(!t.contains("mp4a"), "{t}");
}

#[wasm_bindgen_test]
fn reads_context_and_ignores_unfilled_genesys_templates() {
    let c = CaptureContext::from_query(
        "?gcConversationId=abc-123&gcHostOrigin=https%3A%2F%2Fapps.mypurecloud.com&token=t.k.n&customerId={{customerId}}",
    );
    assert_eq!(c.conversation_id.as_deref(), Some("abc-123"));
    assert_eq!(
        c.gc_host_origin.as_deref(),
        Some("https://apps.mypurecloud.com")
    );
    assert_eq!(c.token.as_deref(), Some("t.k.n"));
    assert_eq!(c.customer_id, None);
    let c = CaptureContext::from_query("?conversationId=x&gcConversationId=y");
    assert_eq!(c.conversation_id.as_deref(), Some("x"));
}

#[wasm_bindgen_test]
async fn records_from_the_fake_camera() {
    let stream = open_camera().await.expect("fake camera opens");
    let rec = Recording::start(&stream).expect("recorder starts");
    let wait = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 1500)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(wait).await.unwrap();
    let done = rec.stop().await;
    stop_stream(&stream);
    assert!(done.blob.size() > 0.0, "recorded bytes");
    assert!(done.duration_ms >= 1000, "{}", done.duration_ms);
    // The blob starts with the container's magic bytes.
    let buf = wasm_bindgen_futures::JsFuture::from(done.blob.array_buffer())
        .await
        .unwrap();
    let head = js_sys::Uint8Array::new(&buf).to_vec();
    let container = vidreply_core::media::container_of(done.mime_type).unwrap();
    assert!(container.matches_magic(&head[..16]), "{:?}", &head[..16]);
}
