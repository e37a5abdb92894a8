//! The way forward when the camera cannot be used: send an existing video file
//! through the same journal and uploader as a recording.

use leptos::prelude::*;
use vidreply_core::media::container_of;
use vidreply_core::recorder::Event;
use web_sys::File;

use crate::capture::open_session;
use crate::ctl::Ctl;

/// Slice size a file is fed to the journal in (the uploader regroups into parts).
const SLICE_BYTES: f64 = 1024.0 * 1024.0;

/// The file's type, from the browser or else its name.
fn mime_of(file: &File) -> Option<String> {
    let t = file.type_();
    if container_of(&t).is_some() {
        return Some(t);
    }
    let name = file.name().to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "mp4" | "m4v" => Some("video/mp4".into()),
        "webm" => Some("video/webm".into()),
        "mov" | "qt" => Some("video/quicktime".into()),
        _ => None,
    }
}

/// Journal the chosen file and send it, as a recording is.
pub fn send_file(ctl: Ctl, file: File) {
    let Some(mime) = mime_of(&file) else {
        return ctl.fail("file_not_video", ctl.t("err-file-type"), true);
    };
    if file.size() <= 0.0 {
        return ctl.fail("file_empty", ctl.t("err-file-empty"), true);
    }
    ctl.dispatch(Event::FileChosen);
    wasm_bindgen_futures::spawn_local(async move {
        let Some((sess, meta)) = open_session(ctl, mime).await else {
            return;
        };
        let size = file.size();
        let mut at = 0.0;
        while at < size {
            let end = (at + SLICE_BYTES).min(size);
            match file.slice_with_f64_and_f64(at, end) {
                Ok(b) => sess.chunk(b),
                Err(_) => return ctl.fail("file_unreadable", ctl.t("err-file-type"), true),
            }
            at = end;
        }
        // The server measures the real duration when it processes the file.
        sess.stopped(0.0);
        ctl.current.set_value(Some(meta));
        ctl.session.set_value(Some(sess.clone()));
        sess.send();
    });
}
