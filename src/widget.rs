//! The recorder as a widget: `mount(element, options)` from JavaScript.
//!
//! A host page (a support site, the Genesys frame page) loads the npm package that
//! `wasm-pack build --target web` makes, calls `await init()` and then `mount`. The
//! recorder's events arrive as DOM `CustomEvent`s on the element. Nothing here runs
//! on load: the library has no `#[wasm_bindgen(start)]`, so the package mounts only
//! what a page asks for (the standalone app mounts itself from `src/main.rs`).

use std::any::Any;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::app::Recorder;
use crate::options::{
    Events, OptionsError, PageOptions, RecorderEvent, RecorderOptions, Written, bad,
};

/// Set on the element while a recorder is mounted in it.
const MOUNTED_ATTR: &str = "data-vidreply-mounted";

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options for {@link mount}. Unknown keys are refused, so a typo is an error. */
export interface VidreplyOptions {
  /** The vidreply server's origin (or base URL), e.g. "https://video.example.com". Required.
   *  A page on another origin must be listed in the server's VIDREPLY_CORS_ORIGINS. */
  endpoint: string;
  /** A capture token: the `token` of `POST /api/v1/capture-links`. Required. */
  token: string;
  /** The conversation the token is for; an unsent recording of it kept on this device is offered again. */
  conversationId?: string;
  /** Longest recording in seconds (at least 1); the server's own limit still applies. Default: the server's limit. */
  maxDurationSeconds?: number;
  /** Countdown before recording starts, 0–10 seconds. Default: 3. */
  countdownSeconds?: number;
  /** A BCP 47 language tag such as "de" or "pt-BR". Default: the browser's languages. */
  lang?: string;
  /** "auto" follows the system's light or dark setting. Default: "auto". */
  theme?: "auto" | "light" | "dark";
  /** Ignored beyond a check of its value: the token's role decides. An agent's token (the agent frame's, or a capture link made with role "agent") records an answer and offers to share or send it; any other token records a reply. */
  mode?: "customer" | "agent";
}

/** `recordingstart`: the camera is recording. */
export interface RecordingStartDetail { mimeType: string }
/** `recordingstop`: recording ended (by Stop, the limit, or the camera going away). */
export interface RecordingStopDetail { durationMs: number }
/** `uploadprogress`: bytes confirmed by the server so far; repeated while sending. */
export interface UploadProgressDetail { sent: number; total: number; percent: number }
/** `sent`: the server has the whole video. `shareUrl` is the link to watch it. */
export interface SentDetail { videoId: string; shareUrl: string }
/** `error`: sending failed or cannot start; `code` is stable (e.g. "token_expired"), `message` is for people. */
export interface VidreplyErrorDetail { code: string; message: string }

/** The events `mount` dispatches on its element (they bubble and cross shadow roots):
 *  `el.addEventListener("sent", (e) => (e as VidreplyEventMap["sent"]).detail.videoId)`. */
export interface VidreplyEventMap {
  recordingstart: CustomEvent<RecordingStartDetail>;
  recordingstop: CustomEvent<RecordingStopDetail>;
  uploadprogress: CustomEvent<UploadProgressDetail>;
  sent: CustomEvent<SentDetail>;
  error: CustomEvent<VidreplyErrorDetail>;
}
"#;

/// The keys a page may set, as it writes them.
const KEYS: [&str; 8] = [
    "endpoint",
    "token",
    "conversationId",
    "maxDurationSeconds",
    "countdownSeconds",
    "lang",
    "theme",
    "mode",
];

/// An absolute http(s) URL with no query or fragment, without its trailing slash.
fn endpoint(raw: &str) -> Result<String, OptionsError> {
    let example = "write the vidreply server's origin, e.g. \"https://video.example.com\"";
    let url = web_sys::Url::new(raw).map_err(|_| {
        bad(
            "endpoint",
            format!("{raw:?} is not an absolute URL; {example}"),
        )
    })?;
    if !matches!(url.protocol().as_str(), "http:" | "https:") {
        return Err(bad(
            "endpoint",
            format!("{raw:?} is not http(s); {example}"),
        ));
    }
    if !url.search().is_empty() || !url.hash().is_empty() || !url.username().is_empty() {
        return Err(bad(
            "endpoint",
            format!("{raw:?} has a query, fragment or user name; {example}"),
        ));
    }
    Ok(format!(
        "{}{}",
        url.origin(),
        url.pathname().trim_end_matches('/')
    ))
}

/// Read a page's options object, naming the field of any mistake.
fn page_options(options: JsValue) -> Result<PageOptions, OptionsError> {
    if !options.is_object() || js_sys::Array::is_array(&options) {
        return Err(bad("", "must be an object such as { endpoint, token }"));
    }
    // serde-wasm-bindgen reads only the fields it knows, so a typo is caught here.
    let object: &js_sys::Object = options.unchecked_ref();
    for key in js_sys::Object::keys(object)
        .iter()
        .filter_map(|k| k.as_string())
    {
        if !KEYS.contains(&key.as_str()) {
            return Err(bad(
                &key,
                format!("unknown option; the options are {}", KEYS.join(", ")),
            ));
        }
    }
    let de = serde_wasm_bindgen::Deserializer::from(options);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // serde-wasm-bindgen's errors are JS `Error`s: their text starts with "Error: ".
        let text = e.into_inner().to_string();
        let message = text.strip_prefix("Error: ").unwrap_or(&text).to_string();
        let field = if path == "." { String::new() } else { path };
        bad(&field, message)
    })
}

/// Check a page's options as `mount` does, without mounting anything.
pub fn parse_options(options: JsValue, events: Events) -> Result<RecorderOptions, OptionsError> {
    let mut page = page_options(options)?;
    let raw = page
        .endpoint
        .take()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            bad(
                "endpoint",
                "required: the vidreply server's origin, e.g. \"https://video.example.com\"",
            )
        })?;
    page.check(endpoint(&raw)?, Written::Mount, events)
}

/// Events that become DOM `CustomEvent`s on `element` (`bubbles`, `composed`), with
/// the event's detail as a plain object. They are dispatched from a microtask, in
/// order, so a listener may even unmount the recorder without pulling it down mid-step.
pub fn dom_events(element: &HtmlElement) -> Events {
    let element = element.clone();
    Events::new(move |e: &RecorderEvent| {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let detail = serde::Serialize::serialize(&e.detail(), &serializer).unwrap_or(JsValue::NULL);
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&detail);
        let Ok(event) = CustomEvent::new_with_event_init_dict(e.name(), &init) else {
            return;
        };
        let element = element.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = element.dispatch_event(&event);
        });
    })
}

/// A mounted recorder. `unmount()` removes it and releases the camera and microphone;
/// so does `free()`.
#[wasm_bindgen]
pub struct RecorderHandle {
    element: HtmlElement,
    /// The leptos `UnmountHandle`: dropping it unmounts the view and runs the
    /// recorder's `on_cleanup` (which stops the camera).
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl RecorderHandle {
    /// Remove the recorder from its element and stop the camera. Calling it again does nothing.
    pub fn unmount(&mut self) {
        if let Some(handle) = self.mounted.take() {
            drop(handle);
            let _ = self.element.remove_attribute(MOUNTED_ATTR);
        }
    }

    /// Whether the recorder is still mounted.
    #[wasm_bindgen(getter)]
    pub fn mounted(&self) -> bool {
        self.mounted.is_some()
    }
}

/// `free()` (or `using`) from JavaScript unmounts too.
impl Drop for RecorderHandle {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// Mount the recorder into `element`. Throws an `Error` naming the option that is
/// wrong or missing, e.g. `vidreply: options.endpoint: required: …`.
#[wasm_bindgen]
pub fn mount(
    element: HtmlElement,
    #[wasm_bindgen(unchecked_param_type = "VidreplyOptions")] options: JsValue,
) -> Result<RecorderHandle, JsError> {
    console_error_panic_hook::set_once();
    if !AsRef::<JsValue>::as_ref(&element).is_instance_of::<HtmlElement>() {
        return Err(JsError::new(
            "vidreply: mount(element, options): element must be an HTML element, e.g. document.getElementById(\"recorder\")",
        ));
    }
    if element.has_attribute(MOUNTED_ATTR) {
        return Err(JsError::new(
            "vidreply: a recorder is already mounted in this element; call unmount() on its handle first",
        ));
    }
    let options =
        parse_options(options, dom_events(&element)).map_err(|e| JsError::new(&e.to_string()))?;
    let _ = element.set_attribute(MOUNTED_ATTR, "");
    let handle = leptos::mount::mount_to(element.clone(), move || {
        view! { <Recorder options=options /> }
    });
    Ok(RecorderHandle {
        element,
        mounted: Some(Box::new(handle)),
    })
}
