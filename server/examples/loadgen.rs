//! Load generator for the bench (`scripts/bench`, figure 6): N simulated clients at once,
//! each doing what a browser does against the local backend: capture link (API key),
//! create upload, sign its parts, PUT every part to the signed URL, complete.
//!
//! ```text
//! cargo run --release -p vidreply-server --example loadgen -- URL API_KEY FILE CLIENTS PART_SIZE
//! ```
//! Prints one JSON object: per endpoint count, errors (by status), p50/p99 latency (ms);
//! total requests, wall seconds, requests/s, bytes stored.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

const ENDPOINTS: [&str; 5] = ["capture-link", "create", "sign", "put-part", "complete"];

#[derive(Default)]
struct Tally {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    errors: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

struct Ctx {
    http: reqwest::Client,
    url: String,
    api_key: String,
    file: Vec<u8>,
    part_size: usize,
    tally: Mutex<Tally>,
}

impl Ctx {
    /// Send one request, time it, and record it; `Err` carries what went wrong.
    async fn call(
        &self,
        name: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, String> {
        let t0 = Instant::now();
        let res = req.send().await;
        let (ok, res) = match res {
            Ok(r) if r.status().is_success() => (None, Ok(r)),
            Ok(r) => {
                let s = r.status().as_u16().to_string();
                (Some(s.clone()), Err(format!("{name}: HTTP {s}")))
            }
            Err(e) => {
                let kind = if e.is_timeout() {
                    "timeout"
                } else {
                    "transport"
                };
                (Some(kind.to_string()), Err(format!("{name}: {kind}")))
            }
        };
        let took = t0.elapsed();
        let mut t = self.tally.lock().await;
        t.latencies.entry(name).or_default().push(took);
        if let Some(code) = ok {
            *t.errors.entry(name).or_default().entry(code).or_default() += 1;
        }
        res
    }

    async fn json(
        &self,
        name: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, String> {
        let res = self.call(name, req).await?;
        res.json()
            .await
            .map_err(|e| format!("{name}: bad JSON: {e}"))
    }

    async fn one_client(&self, n: usize) -> Result<(), String> {
        let link = self
            .json(
                "capture-link",
                self.http
                    .post(format!("{}/api/v1/capture-links", self.url))
                    .bearer_auth(&self.api_key)
                    .json(&json!({ "conversationId": format!("load-{n}") })),
            )
            .await?;
        let token = link["token"].as_str().ok_or("capture link without token")?;
        let session = self
            .json(
                "create",
                self.http
                    .post(format!("{}/api/v1/uploads", self.url))
                    .bearer_auth(token)
                    .json(&json!({ "mimeType": "video/webm" })),
            )
            .await?;
        let id = session["uploadId"].as_str().ok_or("no uploadId")?;
        let chunks: Vec<&[u8]> = self.file.chunks(self.part_size).collect();
        let numbers: Vec<usize> = (1..=chunks.len()).collect();
        let signed = self
            .json(
                "sign",
                self.http
                    .post(format!("{}/api/v1/uploads/{id}/sign", self.url))
                    .bearer_auth(token)
                    .json(&json!({ "partNumbers": numbers })),
            )
            .await?;
        let urls = signed["parts"].as_array().ok_or("sign without parts")?;
        let mut parts = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let url = urls
                .iter()
                .find(|p| p["partNumber"] == json!(i + 1))
                .and_then(|p| p["url"].as_str())
                .ok_or("part not signed")?;
            let res = self
                .call("put-part", self.http.put(url).body(chunk.to_vec()))
                .await?;
            let etag = res
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .ok_or("part PUT without ETag")?
                .to_string();
            parts.push(json!({ "partNumber": i + 1, "etag": etag }));
        }
        self.call(
            "complete",
            self.http
                .post(format!("{}/api/v1/uploads/{id}/complete", self.url))
                .bearer_auth(token)
                .json(&json!({ "parts": parts, "totalBytes": self.file.len() })),
        )
        .await?;
        Ok(())
    }
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, api_key, file, clients, part_size] = args.as_slice() else {
        return Err("usage: loadgen URL API_KEY FILE CLIENTS PART_SIZE".into());
    };
    let clients: usize = clients.parse()?;
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?,
        url: url.trim_end_matches('/').to_string(),
        api_key: api_key.clone(),
        file: std::fs::read(file)?,
        part_size: part_size.parse()?,
        tally: Mutex::new(Tally::default()),
    });
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|n| {
            let ctx = ctx.clone();
            tokio::spawn(async move { ctx.one_client(n).await })
        })
        .collect();
    let mut failed_clients = 0u64;
    let mut first_failure = None;
    for t in tasks {
        if let Err(e) = t.await? {
            failed_clients += 1;
            first_failure.get_or_insert(e);
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    let mut guard = ctx.tally.lock().await;
    let tally = &mut *guard;
    let mut endpoints = serde_json::Map::new();
    let mut requests = 0usize;
    let mut errors = 0u64;
    for name in ENDPOINTS {
        let lat = tally.latencies.entry(name).or_default();
        lat.sort();
        requests += lat.len();
        let errs = tally.errors.get(name).cloned().unwrap_or_default();
        errors += errs.values().sum::<u64>();
        endpoints.insert(
            name.into(),
            json!({
                "requests": lat.len(),
                "errors": errs,
                "p50Ms": percentile_ms(lat, 50.0),
                "p99Ms": percentile_ms(lat, 99.0),
            }),
        );
    }
    let out = json!({
        "clients": clients,
        "failedClients": failed_clients,
        "firstFailure": first_failure,
        "requests": requests,
        "errors": errors,
        "wallSeconds": wall,
        "requestsPerSecond": requests as f64 / wall,
        "bytesStored": (clients as u64 - failed_clients) * ctx.file.len() as u64,
        "endpoints": endpoints,
    });
    println!("{out}");
    Ok(())
}
