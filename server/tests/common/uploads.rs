//! The upload API as a recorder drives it: create, sign, PUT parts, list, complete.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use vidreply_core::protocol::{
    ListPartsResponse, SignPartsResponse, SignedPart, UploadSession, UploadedPart, Video,
};

use super::{PART_SIZE, PUBLIC_URL, Resp, Server, WEBM, md5_etag, path_and_query, recording};

impl Server {
    /// A complete that must have succeeded and stored exactly `bytes`; returns the video.
    pub fn expect_video(&self, r: &Resp, bytes: &[u8]) -> Video {
        r.expect_status(StatusCode::OK);
        let video: Video = r.json();
        let stored = std::fs::read(self.object_path(&video.video_id)).expect("stored object");
        assert!(
            stored == bytes,
            "stored {} bytes, sent {}",
            stored.len(),
            bytes.len()
        );
        video
    }

    /// A completed (not yet processed) one-part video of `conversation`; returns
    /// (its capture token, its video id).
    pub async fn completed_video(&self, conversation: &str) -> (String, String) {
        let token = self.token(conversation).await;
        self.completed_video_with(token).await
    }

    /// A completed one-part video recorded with `token`; returns (token, video id).
    pub async fn completed_video_with(&self, token: String) -> (String, String) {
        let up = self.create_upload(&token).await;
        let bytes = recording(PART_SIZE / 2);
        let etag = self
            .upload_part(&token, &up.upload_id, 1, bytes.clone())
            .await;
        let r = self
            .complete(&token, &up.upload_id, &[(1, &etag)], None)
            .await;
        (token, self.expect_video(&r, &bytes).video_id)
    }

    pub async fn create_upload(&self, token: &str) -> UploadSession {
        let r = self
            .post("/api/v1/uploads", Some(token), json!({ "mimeType": WEBM }))
            .await;
        r.expect_status(StatusCode::CREATED);
        r.json()
    }

    pub async fn sign(&self, token: &str, upload: &str, parts: &[u32]) -> Vec<SignedPart> {
        let r = self
            .post(
                &format!("/api/v1/uploads/{upload}/sign"),
                Some(token),
                json!({ "partNumbers": parts }),
            )
            .await;
        r.expect_status(StatusCode::OK);
        r.json::<SignPartsResponse>().parts
    }

    /// PUT bytes to a signed part URL: in-process for the local backend, over HTTP
    /// for S3 (the URL then names the S3 server).
    pub async fn put(&self, url: &str, bytes: Vec<u8>) -> Resp {
        if !url.starts_with(PUBLIC_URL) {
            let res = reqwest::Client::new()
                .put(url)
                .body(bytes)
                .send()
                .await
                .expect("S3 answers");
            return Resp {
                method: Method::PUT,
                uri: "<signed S3 URL>".into(),
                status: res.status(),
                headers: res.headers().clone(),
                body: res.bytes().await.expect("body"),
            };
        }
        let req = Request::builder()
            .method(Method::PUT)
            .uri(path_and_query(url))
            .body(Body::from(bytes))
            .expect("request");
        self.send(req).await
    }

    /// PUT a part that must be accepted; returns its ETag.
    pub async fn put_ok(&self, url: &str, bytes: Vec<u8>) -> String {
        let want = md5_etag(&bytes);
        let r = self.put(url, bytes).await;
        r.expect_status(StatusCode::OK);
        let etag = r
            .headers
            .get(header::ETAG)
            .expect("ETag header")
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(etag, want, "ETag is the quoted MD5 of the part");
        etag
    }

    /// Upload `parts` as parts 1, 2, 3… and complete with them.
    pub async fn upload_and_complete(&self, token: &str, upload: &str, parts: &[Vec<u8>]) -> Resp {
        let mut etags = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            etags.push(
                self.upload_part(token, upload, i as u32 + 1, p.clone())
                    .await,
            );
        }
        let refs: Vec<(u32, &str)> = etags
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u32 + 1, e.as_str()))
            .collect();
        self.complete(token, upload, &refs, None).await
    }

    /// Sign part URLs for bodies of the given sizes.
    pub async fn sign_sized(
        &self,
        token: &str,
        upload: &str,
        parts: &[(u32, u64)],
    ) -> Vec<SignedPart> {
        let (numbers, sizes): (Vec<u32>, Vec<u64>) = parts.iter().copied().unzip();
        let r = self
            .post(
                &format!("/api/v1/uploads/{upload}/sign"),
                Some(token),
                json!({ "partNumbers": numbers, "partSizes": sizes }),
            )
            .await;
        r.expect_status(StatusCode::OK);
        r.json::<SignPartsResponse>().parts
    }

    /// Sign and PUT one part (its URL signed for its size, as the browser does);
    /// returns its ETag.
    pub async fn upload_part(&self, token: &str, upload: &str, n: u32, bytes: Vec<u8>) -> String {
        let len = bytes.len() as u64;
        let signed = if (1..=self.state.settings.part_size).contains(&len) {
            self.sign_sized(token, upload, &[(n, len)]).await
        } else {
            self.sign(token, upload, &[n]).await
        };
        self.put_ok(&signed[0].url, bytes).await
    }

    pub async fn list(&self, token: &str, upload: &str) -> Vec<UploadedPart> {
        let r = self
            .get(&format!("/api/v1/uploads/{upload}/parts"), Some(token))
            .await;
        r.expect_status(StatusCode::OK);
        r.json::<ListPartsResponse>().parts
    }

    pub async fn complete(
        &self,
        token: &str,
        upload: &str,
        parts: &[(u32, &str)],
        total_bytes: Option<u64>,
    ) -> Resp {
        let parts: Vec<Value> = parts
            .iter()
            .map(|(n, e)| json!({ "partNumber": n, "etag": e }))
            .collect();
        let mut body = json!({ "parts": parts });
        if let Some(t) = total_bytes {
            body["totalBytes"] = json!(t);
        }
        self.post(
            &format!("/api/v1/uploads/{upload}/complete"),
            Some(token),
            body,
        )
        .await
    }
}
