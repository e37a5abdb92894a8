//! The way forward when the camera cannot be used: send an existing video file
//! through the same journal and uploader as a recording.

use leptos::prelude::*;
use vidreply_core::media::container_of;
use web_sys::File;

use crate::ctl::Ctl;
use crate::journal::RecordingMeta;
use crate::screen::Screen;
use crate::session::Session;
use crate::upload::Progress;

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

/// Journal the chosen file and send it.
pub fn send_file(ctl: Ctl, file: File) {
    let Some(mime) = mime_of(&file) else {
        return ctl.fail("file_not_video", ctl.t("err-file-type"), true);
    };
    if file.size() <= 0.0 {
        return ctl.fail("file_empty", ctl.t("err-file-empty"), true);
    }
    ctl.release_camera();
    let conversation = ctl.opts.with_value(|o| o.conversation_id.clone());
    let mut meta = RecordingMeta::new(
        crate::notices::new_id(),
        conversation,
        mime,
        js_sys::Date::now(),
    );
    meta.link_expires_at_ms = ctl
        .opts
        .with_value(|o| o.token.as_deref().and_then(crate::notices::token_expiry_ms));
    ctl.notice.set(Some(ctl.t("file-chosen")));
    ctl.screen.set(Screen::Sending(Progress {
        sent: 0,
        total: 0,
        eta_ms: None,
    }));
    wasm_bindgen_futures::spawn_local(async move {
        let j = match crate::notices::journal(ctl).await {
            Ok(j) => j,
            Err(e) => return ctl.fail("storage_unavailable", e.to_string(), true),
        };
        if let Err(e) = j.save(&meta).await {
            return ctl.fail("storage_unavailable", e.to_string(), true);
        }
        let sess = Session::open(ctl.api.get_value(), j, meta.clone(), ctl.callbacks());
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
