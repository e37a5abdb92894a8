//! How the session loop carries out core's commands and recovers its setup:
//! the I/O half of `session.rs`.

use vidreply_core::protocol::CompleteUploadRequest;
use vidreply_core::{Command, Event, Failure};

use super::{Loop, MAX_SETUP_FAILURES, Msg};
use crate::api::put_part;
use crate::upload::{sleep_until, when_online};

impl Loop {
    /// The journal's upload could not be listed: gone (404/410) or another link's
    /// (403) means start a new one; already complete (409) means ask for the finished video; anything else
    /// is worth another try on the same upload.
    pub(super) fn listing_failed(&mut self, f: Failure) -> Result<Vec<Command>, String> {
        let status = match &f {
            Failure::Status { status, .. } => Some(*status),
            _ => None,
        };
        match status {
            // 403: the upload was started through another link (a token acts only
            // on its own uploads); the journal still holds every byte, so send
            // them again through a new upload of this link.
            Some(403 | 404 | 410) => {
                self.meta.upload = None;
                self.create();
            }
            Some(409) => {
                let (api, id) = (
                    self.api.clone(),
                    self.meta.upload.as_ref().map(|u| u.upload_id.clone()),
                );
                let req = CompleteUploadRequest {
                    parts: Vec::new(),
                    total_bytes: None,
                    duration_ms: None,
                };
                self.post(async move {
                    match api.complete(&id.unwrap_or_default(), &req).await {
                        Ok(v) => Msg::Completed(v),
                        Err(f) => Msg::Listed(Err(f)),
                    }
                });
            }
            _ if self.send && self.create_failures >= MAX_SETUP_FAILURES => {
                return Err("The server could not be reached.".into());
            }
            _ => {
                self.create_failures += 1;
                self.later(self.setup_backoff_ms(), || Msg::Restart);
            }
        }
        Ok(Vec::new())
    }

    pub(super) fn execute(&self, cmd: Command) {
        let g = self.generation;
        let Some(upload) = &self.upload else { return };
        let id = upload.upload_id.clone();
        let api = self.api.clone();
        match cmd {
            Command::Sign { parts, sizes } => self.post(async move {
                Msg::Up(
                    g,
                    match api.sign(&id, parts, sizes).await {
                        Ok(r) => Event::Signed { parts: r.parts },
                        Err(failure) => Event::SignFailed { failure },
                    },
                )
            }),
            Command::Put {
                part,
                offset,
                len,
                url,
            } => {
                let journal = self.journal.clone();
                let meta = self.meta.clone();
                let progress_tx = self.tx.clone();
                self.post(async move {
                    let bytes = match journal.blob(&meta).await {
                        Ok(b) => b
                            .slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
                            .expect("Blob.slice"),
                        Err(_) => {
                            return Msg::Up(
                                g,
                                Event::PartFailed {
                                    part,
                                    failure: Failure::Network,
                                },
                            );
                        }
                    };
                    let tx = progress_tx;
                    let on_progress = move |sent| {
                        let _ = tx.unbounded_send(Msg::PartProgress { part, sent });
                    };
                    Msg::Up(
                        g,
                        match put_part(&url, &bytes, on_progress).await {
                            Ok(etag) => Event::PartUploaded { part, etag },
                            Err(failure) => Event::PartFailed { part, failure },
                        },
                    )
                })
            }
            Command::WakeAt { at_ms } => self.post(async move {
                sleep_until(at_ms).await;
                Msg::Up(g, Event::Tick)
            }),
            Command::WaitOnline => {
                let tx = self.tx.clone();
                when_online(move || {
                    let _ = tx.unbounded_send(Msg::Up(g, Event::Online));
                });
            }
            Command::Complete { parts, total_bytes } => {
                let req = CompleteUploadRequest {
                    parts,
                    total_bytes: Some(total_bytes),
                    duration_ms: Some(self.meta.duration_ms as u64),
                };
                self.post(async move {
                    match api.complete(&id, &req).await {
                        Ok(v) => Msg::Completed(v),
                        Err(failure) => Msg::Up(g, Event::CompleteFailed { failure }),
                    }
                })
            }
            Command::ListParts => self.post(async move {
                Msg::Up(
                    g,
                    match api.list_parts(&id).await {
                        Ok(r) => Event::ServerHas { parts: r.parts },
                        Err(failure) => Event::CompleteFailed { failure },
                    },
                )
            }),
            Command::Fail { .. } => {}
        }
    }
}
