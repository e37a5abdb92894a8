//! wasm-bindgen tests that run in headless Chromium with a fake camera.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use vidreply::camera::{stop_stream, supported_mime_type};
use vidreply::context::CaptureContext;
use vidreply::devices::{DeviceChoice, open_camera};
use vidreply::journal::{Journal, RecordingMeta};
use vidreply::recorder::{Recording, TIMESLICE_MS};
use wasm_bindgen::JsValue;
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

async fn sleep(ms: i32) {
    let wait = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(wait).await.unwrap();
}

async fn range_text(journal: &Journal, m: &RecordingMeta, offset: u64, len: u64) -> String {
    let blob = journal.range(m, offset, len).await.unwrap();
    let text = wasm_bindgen_futures::JsFuture::from(blob.text()).await;
    text.unwrap().as_string().unwrap()
}

fn meta(id: &str, mime: &str) -> RecordingMeta {
    RecordingMeta::new(id, "conv", mime, js_sys::Date::now())
}

#[wasm_bindgen_test]
async fn records_from_the_fake_camera_into_the_journal() {
    let stream = open_camera(&DeviceChoice::default())
        .await
        .expect("fake camera opens");
    let chunks: Rc<RefCell<Vec<web_sys::Blob>>> = Rc::default();
    let sink = chunks.clone();
    let rec = Recording::start(&stream, move |b| sink.borrow_mut().push(b), || {})
        .expect("recorder starts");
    let mime = rec.mime_type();
    sleep(2500).await;
    let duration_ms = rec.stop().await;
    stop_stream(&stream);
    assert!(duration_ms >= 2500.0, "{duration_ms}");
    let chunks = chunks.take();
    assert!(
        chunks.len() >= 2,
        "about one chunk a second, got {}",
        chunks.len()
    );

    // Every chunk goes to the journal; the journal gives the same bytes back.
    let journal = Journal::open().await.unwrap();
    let mut m = meta("rec-camera", mime);
    journal.save(&m).await.unwrap();
    for (seq, c) in chunks.iter().enumerate() {
        m.chunk_count += 1;
        m.total_bytes += c.size();
        journal.append(&m, seq as u32, c).await.unwrap();
    }
    let stored = journal.blob(&m).await.unwrap();
    assert_eq!(stored.size(), m.total_bytes);
    let buf = wasm_bindgen_futures::JsFuture::from(stored.array_buffer())
        .await
        .unwrap();
    let head = js_sys::Uint8Array::new(&buf).to_vec();
    let container = vidreply_core::media::container_of(mime).unwrap();
    assert!(container.matches_magic(&head[..16]), "{:?}", &head[..16]);
    journal.remove(&m.id).await.unwrap();
}

/// Safari (26) hands out empty blobs for short time-slices: the recorder asks for at
/// least 1 s, and drops empty blobs before they reach the journal. A MediaRecorder
/// wrapper notes the time-slice, keeps every real chunk, and delivers an empty blob
/// beside each; it counts the empty blobs the recorder's own listener was handed.
#[wasm_bindgen_test]
async fn asks_for_one_second_slices_and_drops_empty_blobs() {
    let install = js_sys::Function::new_no_args(
        r#"const Original = window.MediaRecorder;
        const seen = { timeslice: null, real: [], emptyToApp: 0 };
        let own = true;
        window.MediaRecorder = class extends Original {
          constructor(stream, options) {
            super(stream, options);
            this.addEventListener('dataavailable', (e) => {
              if (e.data.size === 0) return;
              seen.real.push(e.data);
              this.dispatchEvent(new BlobEvent('dataavailable', { data: new Blob([]) }));
            });
            own = false;
          }
          addEventListener(type, listener, options) {
            if (own || type !== 'dataavailable') return super.addEventListener(type, listener, options);
            return super.addEventListener(type, (e) => {
              if (e.data.size === 0) seen.emptyToApp++;
              return listener(e);
            }, options);
          }
          start(timeslice) { seen.timeslice = timeslice; return super.start(timeslice); }
        };
        return { seen, restore: () => { window.MediaRecorder = Original; } };"#,
    );
    let probe = install.call0(&JsValue::NULL).unwrap();
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).unwrap();
    let stream = open_camera(&DeviceChoice::default())
        .await
        .expect("fake camera opens");
    let chunks: Rc<RefCell<Vec<web_sys::Blob>>> = Rc::default();
    let sink = chunks.clone();
    let rec = Recording::start(&stream, move |b| sink.borrow_mut().push(b), || {})
        .expect("recorder starts");
    sleep(2500).await;
    rec.stop().await;
    stop_stream(&stream);
    let restore: js_sys::Function = get(&probe, "restore").into();
    restore.call0(&JsValue::NULL).unwrap();

    let seen = get(&probe, "seen");
    const { assert!(TIMESLICE_MS >= 1000) };
    assert_eq!(get(&seen, "timeslice").as_f64(), Some(TIMESLICE_MS as f64));
    let real: Vec<JsValue> = js_sys::Array::from(&get(&seen, "real")).to_vec();
    assert!(
        real.len() >= 2,
        "about one chunk a second, got {}",
        real.len()
    );
    // The recorder was handed an empty blob beside every real one…
    let empty_to_app = get(&seen, "emptyToApp").as_f64().unwrap() as usize;
    assert!(
        empty_to_app >= real.len(),
        "{empty_to_app} empty blobs for {} real ones",
        real.len()
    );
    // …and passed on exactly the real chunks, the same blobs in the same order.
    let chunks = chunks.take();
    assert_eq!(
        chunks.len(),
        real.len(),
        "only the real chunks reach the journal"
    );
    for (i, (got, want)) in chunks.iter().zip(&real).enumerate() {
        assert!(
            js_sys::Object::is(got, want),
            "chunk {i} is not the recorder's own"
        );
    }
}

#[wasm_bindgen_test]
async fn journal_keeps_chunks_in_order_until_removed() {
    let journal = Journal::open().await.unwrap();
    let mut m = meta("rec-order", "video/webm");
    let other = meta("rec-other", "video/webm");
    journal.save(&other).await.unwrap();
    // More than 10 chunks, so lexical and numeric order differ.
    for seq in 0..12u32 {
        let part = js_sys::Array::of1(&JsValue::from_str(&format!("<{seq}>")));
        let blob = web_sys::Blob::new_with_str_sequence(&part).unwrap();
        m.chunk_count += 1;
        m.total_bytes += blob.size();
        journal.append(&m, seq, &blob).await.unwrap();
    }
    let listed = journal.list().await.unwrap();
    let found = listed.iter().find(|x| x.id == m.id).expect("listed");
    assert_eq!(found.chunk_count, 12);
    let text = wasm_bindgen_futures::JsFuture::from(journal.blob(&m).await.unwrap().text())
        .await
        .unwrap();
    let want: String = (0..12).map(|i| format!("<{i}>")).collect();
    assert_eq!(text.as_string().unwrap(), want);
    // Counted without sizes (as journals before sizes were kept): cut from the whole.
    assert_eq!(range_text(&journal, &m, 1, 5).await, &want[1..6]);
    journal.remove(&m.id).await.unwrap();
    assert!(journal.chunks(&m.id).await.unwrap().is_empty());
    assert!(!journal.list().await.unwrap().iter().any(|x| x.id == m.id));
    assert!(
        journal
            .list()
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == other.id),
        "other recordings stay"
    );
    journal.remove(&other.id).await.unwrap();
}

/// Where IndexedDB cannot store Blobs (WebKit's ephemeral sessions, Safari's private
/// browsing), chunks are kept as bytes and read back as the same recording.
#[wasm_bindgen_test]
async fn journal_keeps_bytes_where_blobs_cannot_be_stored() {
    assert!(
        Journal::open().await.unwrap().stores_blobs(),
        "Chromium stores Blobs"
    );
    let journal = Journal::open_storing_bytes().await.unwrap();
    assert!(!journal.stores_blobs());
    let mut m = meta("rec-bytes", "video/webm");
    for seq in 0..3u32 {
        let part = js_sys::Array::of1(&JsValue::from_str(&format!("chunk {seq};")));
        let blob = web_sys::Blob::new_with_str_sequence(&part).unwrap();
        m.add_chunk(blob.size() as u64);
        journal.append(&m, seq, &blob).await.unwrap();
    }
    let listed = journal.list().await.unwrap();
    assert_eq!(listed.iter().find(|x| x.id == m.id).unwrap().chunk_count, 3);
    let whole = journal.blob(&m).await.unwrap();
    assert_eq!(whole.size(), m.total_bytes);
    assert_eq!(whole.type_(), "video/webm");
    let text = wasm_bindgen_futures::JsFuture::from(whole.text())
        .await
        .unwrap();
    assert_eq!(text.as_string().unwrap(), "chunk 0;chunk 1;chunk 2;");
    // A part reads its own bytes, across chunk edges.
    assert_eq!(range_text(&journal, &m, 6, 12).await, "0;chunk 1;ch");
    assert_eq!(range_text(&journal, &m, 16, 8).await, "chunk 2;");
    journal.remove(&m.id).await.unwrap();
    assert!(journal.chunks(&m.id).await.unwrap().is_empty());
}

#[wasm_bindgen_test]
fn a_recording_is_stale_only_when_nothing_can_send_it() {
    let now = 10_000_000_000.0;
    let mut m = meta("rec-stale", "video/webm");
    m.created_at_ms = now - 1000.0;
    m.link_expires_at_ms = Some(now + 60_000.0);
    assert!(!m.is_stale(now), "fresh");
    m.upload = Some(vidreply_core::protocol::UploadSession {
        upload_id: "u".into(),
        part_size: 1,
        max_parts: 1,
        max_bytes: 1,
        max_duration_ms: None,
        expires_at: ((now - 5_000.0) / 1000.0) as u64,
        parallelism: 1,
        retry: Default::default(),
    });
    assert!(
        !m.is_stale(now),
        "upload expired but the link still works: send on a new upload"
    );
    m.link_expires_at_ms = Some(now - 1.0);
    assert!(m.is_stale(now), "upload and link both expired");
    m.upload = None;
    assert!(!m.is_stale(now), "never uploaded, less than a day old");
    m.created_at_ms = now - 2.0 * 86_400_000.0;
    assert!(m.is_stale(now));
}
