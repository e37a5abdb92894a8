//! A scripted server for running the whole upload loop natively.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use futures::future::{Ready, ready};

use super::*;
use crate::classify::envelope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Req {
    Create,
    List,
    Sign,
    Put,
    Complete,
}

#[derive(Default)]
pub struct Up {
    pub parts: BTreeMap<u32, Vec<u8>>,
    pub video: Option<(Video, Vec<u8>)>,
    pub gone: bool,
}

#[derive(Default)]
pub struct Server {
    pub uploads: BTreeMap<String, Up>,
    /// Failures to answer with, per request kind, in order.
    pub script: BTreeMap<Req, VecDeque<Failure>>,
    pub calls: Vec<Req>,
    pub part_size: u64,
}

fn refused(status: u16, code: &str) -> Failure {
    Failure::Status {
        status,
        body: envelope(code, code),
        retry_after_ms: None,
    }
}

fn etag(bytes: &[u8]) -> String {
    let h = bytes
        .iter()
        .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(*b as u64));
    format!("\"{h:x}\"")
}

#[derive(Clone, Default)]
pub struct FakeApi(pub Rc<RefCell<Server>>);

impl FakeApi {
    pub fn new(part_size: u64) -> Self {
        let api = Self::default();
        api.0.borrow_mut().part_size = part_size;
        api
    }

    pub fn script(&self, req: Req, failures: impl IntoIterator<Item = Failure>) {
        let mut s = self.0.borrow_mut();
        s.script.entry(req).or_default().extend(failures);
    }

    pub fn calls(&self, req: Req) -> usize {
        self.0.borrow().calls.iter().filter(|r| **r == req).count()
    }

    /// The bytes of the one video the server made.
    pub fn video(&self) -> Option<Vec<u8>> {
        let s = self.0.borrow();
        s.uploads
            .values()
            .find_map(|u| u.video.as_ref().map(|v| v.1.clone()))
    }

    fn answer<T>(
        &self,
        req: Req,
        then: impl FnOnce(&mut Server) -> Result<T, Failure>,
    ) -> Ready<Result<T, Failure>> {
        let mut s = self.0.borrow_mut();
        s.calls.push(req);
        if let Some(f) = s.script.get_mut(&req).and_then(VecDeque::pop_front) {
            return ready(Err(f));
        }
        ready(then(&mut s))
    }
}

fn open_upload<'a>(s: &'a mut Server, id: &str) -> Result<&'a mut Up, Failure> {
    match s.uploads.get_mut(id) {
        Some(u) if !u.gone => Ok(u),
        _ => Err(refused(404, "not_found")),
    }
}

impl UploadApi for FakeApi {
    type Bytes = Vec<u8>;

    fn create_upload(&self, _mime: &str) -> impl Future<Output = Result<UploadSession, Failure>> {
        self.answer(Req::Create, |s| {
            let id = format!("up{}", s.uploads.len() + 1);
            s.uploads.insert(id.clone(), Up::default());
            Ok(UploadSession {
                upload_id: id,
                part_size: s.part_size,
                max_parts: crate::protocol::MAX_PARTS,
                max_bytes: 1 << 40,
                max_duration_ms: None,
                expires_at: 4_000_000_000,
                parallelism: 2,
                retry: RetryPolicy {
                    base_ms: 10,
                    cap_ms: 100,
                    max_attempts: 4,
                    jitter: true,
                },
            })
        })
    }

    fn list_parts(&self, id: &str) -> impl Future<Output = Result<Vec<UploadedPart>, Failure>> {
        self.answer(Req::List, |s| {
            let up = open_upload(s, id)?;
            if up.video.is_some() {
                return Err(refused(409, "conflict"));
            }
            Ok((up.parts.iter())
                .map(|(n, b)| UploadedPart {
                    part_number: *n,
                    etag: etag(b),
                    size: b.len() as u64,
                })
                .collect())
        })
    }

    fn sign_parts(
        &self,
        id: &str,
        parts: Vec<u32>,
        sizes: Vec<u64>,
    ) -> impl Future<Output = Result<Vec<SignedPart>, Failure>> {
        self.answer(Req::Sign, |s| {
            open_upload(s, id)?;
            Ok((parts.iter().zip(sizes))
                .map(|(n, size)| SignedPart {
                    part_number: *n,
                    url: format!("{id}/{n}/{size}"),
                    expires_at_ms: u64::MAX / 2,
                    expires_in_ms: Some(600_000),
                })
                .collect())
        })
    }

    fn put_part(
        &self,
        _part: u32,
        url: &str,
        bytes: &Vec<u8>,
        on_progress: Box<dyn Fn(f64)>,
    ) -> impl Future<Output = Result<String, Failure>> {
        on_progress(bytes.len() as f64 / 2.0);
        self.answer(Req::Put, |s| {
            let mut it = url.split('/');
            let (id, n, size) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            assert_eq!(
                size.parse::<usize>().unwrap(),
                bytes.len(),
                "PUT of another size than signed"
            );
            let up = open_upload(s, id)?;
            up.parts.insert(n.parse().unwrap(), bytes.clone());
            Ok(etag(bytes))
        })
    }

    fn put_tail(
        &self,
        id: &str,
        part: u32,
        bytes: &Vec<u8>,
        on_progress: Box<dyn Fn(f64)>,
    ) -> impl Future<Output = Result<String, Failure>> {
        on_progress(bytes.len() as f64 / 2.0);
        self.answer(Req::Put, |s| {
            // As the server does: only a part shorter than the part size comes here.
            assert!(
                (bytes.len() as u64) < s.part_size && !bytes.is_empty(),
                "a full or empty part sent as the tail"
            );
            let up = open_upload(s, id)?;
            up.parts.insert(part, bytes.clone());
            Ok(etag(bytes))
        })
    }

    fn complete_upload(
        &self,
        id: &str,
        req: &CompleteUploadRequest,
    ) -> impl Future<Output = Result<Video, Failure>> {
        self.answer(Req::Complete, |s| {
            let up = open_upload(s, id)?;
            if let Some((v, _)) = &up.video {
                return Ok(v.clone());
            }
            let mut bytes = Vec::new();
            for p in &req.parts {
                match up.parts.get(&p.part_number) {
                    Some(b) if etag(b) == p.etag => bytes.extend_from_slice(b),
                    _ => return Err(refused(409, "part_missing")),
                }
            }
            assert_eq!(req.total_bytes, Some(bytes.len() as u64));
            // Through the wire format, so the fake follows Video as it changes.
            let video: Video = serde_json::from_value(serde_json::json!({
                "videoId": format!("v-{id}"),
                "mediaUrl": format!("/v/{id}"),
                "mimeType": "video/webm",
                "size": bytes.len(),
                "duration": null,
            }))
            .expect("a video");
            up.video = Some((video.clone(), bytes));
            Ok(video)
        })
    }

    fn abort_upload(&self, id: &str) -> impl Future<Output = Result<(), Failure>> {
        if let Some(u) = self.0.borrow_mut().uploads.get_mut(id) {
            u.gone = true;
        }
        ready(Ok(()))
    }
}
