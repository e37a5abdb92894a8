//! The widget's JavaScript surface, in headless Chromium: options checked with the field
//! named, events as DOM `CustomEvent`s, and mount/unmount.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;

use vidreply::options::{Events, Mode, RecorderEvent, Theme};
use vidreply::widget::{dom_events, mount, parse_options};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(source: &str) -> JsValue {
    js_sys::eval(&format!("({source})")).expect("valid JS")
}

fn div() -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

#[wasm_bindgen_test]
fn options_become_recorder_options() {
    let o = parse_options(
        js(r#"{endpoint: "https://video.example.com/", token: " t.k.n ", conversationId: "c-1",
              maxDurationSeconds: 90, countdownSeconds: 0, lang: "pt-BR", theme: "Dark", mode: "agent"}"#),
        Events::default(),
    )
    .expect("valid options");
    assert_eq!(o.endpoint, "https://video.example.com");
    assert_eq!(o.token.as_deref(), Some("t.k.n"));
    assert_eq!(o.conversation_id, "c-1");
    assert_eq!(o.max_duration_ms, Some(90_000));
    assert_eq!(o.countdown_s, 0);
    assert_eq!(o.lang.as_deref(), Some("pt-BR"));
    // The page asked for the agent screens, but the token is not an agent's.
    assert_eq!((o.theme, o.mode), (Theme::Dark, Mode::Customer));
    // An agent's token gets them, asked for or not.
    let agent = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTEiLCJyb2wiOiJhZ2VudCJ9.sig";
    for extra in ["", ", mode: 'customer'"] {
        let o = parse_options(
            js(&format!(
                "{{endpoint: 'https://v.example.com', token: '{agent}'{extra}}}"
            )),
            Events::default(),
        )
        .unwrap();
        assert_eq!(o.mode, Mode::Agent, "{extra}");
    }

    // A base URL with a path is kept (a server behind a path prefix); defaults fill the rest.
    let o = parse_options(
        js(r#"{endpoint: "http://127.0.0.1:8080/video/", token: "t", lang: null}"#),
        Events::default(),
    )
    .unwrap();
    assert_eq!(o.endpoint, "http://127.0.0.1:8080/video");
    assert_eq!(o.countdown_s, vidreply::options::DEFAULT_COUNTDOWN_S);
    assert_eq!(
        (o.theme, o.mode, o.lang),
        (Theme::Auto, Mode::Customer, None)
    );
}

#[wasm_bindgen_test]
fn bad_options_name_their_field() {
    let cases = [
        ("{token: 't'}", "options.endpoint: required"),
        ("{endpoint: '  ', token: 't'}", "options.endpoint: required"),
        (
            "{endpoint: 'video.example.com', token: 't'}",
            "options.endpoint:",
        ),
        (
            "{endpoint: 'javascript:alert(1)', token: 't'}",
            "options.endpoint:",
        ),
        (
            "{endpoint: 'https://v.example.com?x=1', token: 't'}",
            "options.endpoint:",
        ),
        (
            "{endpoint: 42, token: 't'}",
            "options.endpoint: invalid type",
        ),
        (
            "{endpoint: 'https://v.example.com'}",
            "options.token: required",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', countdownSeconds: 11}",
            "options.countdownSeconds:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', countdownSeconds: -1}",
            "options.countdownSeconds:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', countdownSeconds: 1.5}",
            "options.countdownSeconds:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', maxDurationSeconds: 0}",
            "options.maxDurationSeconds:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', maxDurationSeconds: '60'}",
            "options.maxDurationSeconds:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', lang: 'not a tag'}",
            "options.lang:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', theme: 'blue'}",
            "options.theme:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', mode: 'admin'}",
            "options.mode:",
        ),
        (
            "{endpoint: 'https://v.example.com', token: 't', endpont: 'x'}",
            "options.endpont: unknown option",
        ),
        ("null", "options: must be an object"),
        (
            "['https://v.example.com', 't']",
            "options: must be an object",
        ),
    ];
    for (source, want) in cases {
        let err = parse_options(js(source), Events::default())
            .expect_err(source)
            .to_string();
        assert!(err.starts_with("vidreply: options"), "{source}: {err}");
        assert!(err.contains(want), "{source}: {err:?} lacks {want:?}");
    }
}

/// An event as a listener saw it: type, detail, bubbles, composed.
type Seen = (String, serde_json::Value, bool, bool);

#[wasm_bindgen_test]
async fn events_are_custom_events_that_bubble_in_order() {
    let parent = div();
    let el = div();
    parent.append_child(&el).unwrap();
    let seen: Rc<RefCell<Vec<Seen>>> = Rc::default();
    let sink = seen.clone();
    let listener = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        // A plain object (not a Map), so JSON.stringify shows its fields.
        let json = js_sys::JSON::stringify(&e.detail())
            .unwrap()
            .as_string()
            .unwrap();
        let detail = serde_json::from_str(&json).unwrap();
        sink.borrow_mut()
            .push((e.type_(), detail, e.bubbles(), e.composed()));
    });
    for name in ["recordingstart", "uploadprogress", "sent", "error"] {
        parent
            .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
    }
    let events = dom_events(&el);
    events.emit(RecorderEvent::RecordingStart {
        mime_type: "video/webm".into(),
    });
    events.emit(RecorderEvent::UploadProgress {
        sent: 5_242_880,
        total: 10_000_000,
        percent: 52,
    });
    events.emit(RecorderEvent::Sent {
        video_id: "v1".into(),
        share_url: "https://video.example.com/v/v1".into(),
    });
    events.emit(RecorderEvent::Error {
        code: "token_expired".into(),
        message: "The link has expired.".into(),
    });
    // Dispatched from a microtask, not while the recorder is mid-step.
    assert!(seen.borrow().is_empty());
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL))
        .await
        .unwrap();
    let seen = seen.borrow();
    let want = [
        ("recordingstart", json!({"mimeType": "video/webm"})),
        (
            "uploadprogress",
            json!({"sent": 5_242_880, "total": 10_000_000, "percent": 52}),
        ),
        (
            "sent",
            json!({"videoId": "v1", "shareUrl": "https://video.example.com/v/v1"}),
        ),
        (
            "error",
            json!({"code": "token_expired", "message": "The link has expired."}),
        ),
    ];
    assert_eq!(seen.len(), want.len(), "{seen:?}");
    for ((name, detail, bubbles, composed), (want_name, want_detail)) in seen.iter().zip(want) {
        assert_eq!((name.as_str(), detail), (want_name, &want_detail));
        assert!(*bubbles && *composed, "{name}");
    }
}

#[wasm_bindgen_test]
fn mount_renders_into_the_element_and_unmount_empties_it() {
    let el = div();
    let options = js("{endpoint: 'http://127.0.0.1:9', token: 'x.y.z', countdownSeconds: 0}");
    let mut handle = mount(el.clone(), options.clone()).expect("mounts");
    assert!(handle.mounted());
    assert!(el.has_attribute("data-vidreply-mounted"));
    assert!(el.child_element_count() > 0, "{}", el.inner_html());
    // One recorder per element.
    assert!(mount(el.clone(), options.clone()).is_err());

    handle.unmount();
    assert!(!handle.mounted());
    assert_eq!(el.child_element_count(), 0, "{}", el.inner_html());
    assert!(!el.has_attribute("data-vidreply-mounted"));
    handle.unmount();
    // Free again: it mounts once more.
    let mut again = mount(el.clone(), options).expect("mounts again");
    again.unmount();
}
