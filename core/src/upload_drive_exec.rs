//! How the loop carries out the uploader's commands: the I/O half of `upload_drive.rs`.

use futures::Future;
use futures::future::LocalBoxFuture;

use super::{Host, JournalStore, Loop, Msg, Progress, SendError, UploadApi};
use crate::classify::Failure;
use crate::protocol::CompleteUploadRequest;
use crate::upload::{Command, Event};

/// A part PUT's answer: storage's ETag.
type PutFuture = LocalBoxFuture<'static, Result<String, Failure>>;

impl<A, J, H> Loop<A, J, H>
where
    A: UploadApi,
    J: JournalStore<Blob = A::Bytes>,
    H: Host,
{
    /// Run `fut` as its own task and hand its answer to the loop.
    fn post(&self, fut: impl Future<Output = Msg<A::Bytes>> + 'static) {
        let tx = self.tx.clone();
        self.host.spawn(Box::pin(async move {
            let _ = tx.unbounded_send(fut.await);
        }));
    }

    /// Carry out `cmds`; false once the loop is over (sent, failed or discarded).
    pub(super) async fn execute(&mut self, cmds: Vec<Command>) -> bool {
        for cmd in cmds {
            match cmd {
                Command::Fail { status, message } => {
                    (self.cb.done)(Err(SendError { status, message }));
                    return false;
                }
                Command::Discard { upload_id } => {
                    if let Some(id) = upload_id {
                        let _ = self.api.abort_upload(&id).await;
                    }
                    let _ = self.journal.forget(&self.meta.id).await;
                    return false;
                }
                Command::SaveUpload { upload } => {
                    self.meta.upload = Some(upload.clone());
                    (self.cb.created)(&upload);
                    let _ = self.journal.save_meta(&self.meta).await;
                }
                cmd => self.request(cmd),
            }
        }
        true
    }

    /// Start the request `cmd` asks for; its answer comes back as a message.
    fn request(&mut self, cmd: Command) {
        let g = self.machine.epoch();
        let api = self.api.clone();
        let id = self.machine.upload().map(|u| u.upload_id.clone());
        let id = id.unwrap_or_default();
        match cmd {
            Command::Create => {
                let mime = self.meta.mime_type.clone();
                self.post(async move {
                    Msg::Up(
                        g,
                        match api.create_upload(&mime).await {
                            Ok(upload) => Event::Created { upload },
                            Err(failure) => Event::CreateFailed { failure },
                        },
                    )
                })
            }
            Command::ListParts => self.post(async move {
                Msg::Up(
                    g,
                    match api.list_parts(&id).await {
                        Ok(parts) => Event::ServerHas { parts },
                        Err(failure) => Event::ListFailed { failure },
                    },
                )
            }),
            Command::Sign { parts, sizes } => {
                let host = self.host.clone();
                let which = parts.iter().map(|n| format!("#{n}")).collect::<String>();
                host.mark(&format!("vr:sign{which}"));
                self.post(async move {
                    let answer = api.sign_parts(&id, parts, sizes).await;
                    host.mark(&format!("vr:signed{which}"));
                    Msg::Up(
                        g,
                        match answer {
                            Ok(parts) => Event::Signed { parts },
                            Err(failure) => Event::SignFailed { failure },
                        },
                    )
                })
            }
            Command::Put {
                part,
                offset,
                len,
                url,
            } => self.put(part, offset, len, move |api, bytes, progress| {
                Box::pin(async move { api.put_part(part, &url, &bytes, progress).await })
            }),
            Command::PutTail { part, offset, len } => {
                self.put(part, offset, len, move |api, bytes, progress| {
                    Box::pin(async move { api.put_tail(&id, part, &bytes, progress).await })
                })
            }
            Command::WakeAt { at_ms } => {
                let sleep = self.host.sleep_until(at_ms);
                self.post(async move {
                    sleep.await;
                    Msg::Up(g, Event::Tick)
                })
            }
            Command::WaitOnline => {
                let online = self.host.online();
                self.post(async move {
                    online.await;
                    Msg::Up(g, Event::Online)
                })
            }
            Command::Complete { parts, total_bytes } => {
                let req = CompleteUploadRequest {
                    parts,
                    total_bytes: Some(total_bytes),
                    duration_ms: Some(self.meta.duration_ms as u64),
                };
                self.complete(g, id, req)
            }
            Command::Collect => {
                let req = CompleteUploadRequest {
                    parts: Vec::new(),
                    total_bytes: None,
                    duration_ms: None,
                };
                self.complete(g, id, req)
            }
            Command::Fail { .. } | Command::Discard { .. } | Command::SaveUpload { .. } => {}
        }
    }

    /// Read part `part`'s bytes from the journal and send them with `send`.
    fn put(
        &mut self,
        part: u32,
        offset: u64,
        len: u64,
        send: impl FnOnce(A, A::Bytes, Box<dyn Fn(f64)>) -> PutFuture + 'static,
    ) {
        let g = self.machine.epoch();
        let api = self.api.clone();
        let (journal, meta, tx) = (self.journal.clone(), self.meta.clone(), self.tx.clone());
        let host = self.host.clone();
        host.mark(&format!("vr:read#{part}"));
        self.reading += 1;
        self.post(async move {
            let read = journal.range(&meta, offset, len).await;
            let _ = tx.unbounded_send(Msg::PartRead);
            let Ok(bytes) = read else {
                let failure = Failure::Network;
                return Msg::Up(g, Event::PartFailed { part, failure });
            };
            host.mark(&format!("vr:put#{part}"));
            let on_progress = Box::new(move |sent| {
                let _ = tx.unbounded_send(Msg::PartProgress { part, sent });
            });
            let answer = send(api, bytes, on_progress).await;
            host.mark(&format!("vr:put-done#{part}"));
            Msg::Up(
                g,
                match answer {
                    Ok(etag) => Event::PartUploaded { part, etag },
                    Err(failure) => Event::PartFailed { part, failure },
                },
            )
        })
    }

    fn complete(&self, g: u32, id: String, req: CompleteUploadRequest) {
        let api = self.api.clone();
        let host = self.host.clone();
        host.mark("vr:complete");
        self.post(async move {
            let answer = api.complete_upload(&id, &req).await;
            host.mark("vr:completed");
            match answer {
                Ok(v) => Msg::Completed(v),
                Err(failure) => Msg::Up(g, Event::CompleteFailed { failure }),
            }
        })
    }

    pub(super) fn report_progress(&mut self) {
        if !self.machine.uploading() {
            return;
        }
        let m = &self.machine;
        let total = self.meta.total_bytes as u64;
        let sent = (m.confirmed_bytes() + self.in_flight.values().sum::<f64>() as u64).min(total);
        let now = self.host.now_ms();
        if self.send && self.send_mark.is_none() {
            self.send_mark = Some((now, sent));
        }
        let eta_ms = self.send_mark.and_then(|(t0, s0)| {
            let (dt, ds) = (
                now.saturating_sub(t0) as f64,
                sent.saturating_sub(s0) as f64,
            );
            (dt > 1000.0 && ds > 0.0).then(|| ((total - sent) as f64 / (ds / dt)) as u64)
        });
        (self.cb.progress)(Progress {
            sent,
            total,
            eta_ms,
        });
    }

    pub(super) async fn review(&self, then: Box<dyn FnOnce(A::Bytes)>) -> Result<(), String> {
        self.host.mark("vr:review");
        then(self.journal.whole(&self.meta).await?);
        self.host.mark("vr:reviewed");
        Ok(())
    }
}
