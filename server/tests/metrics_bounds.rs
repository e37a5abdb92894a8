//! `/metrics` of the real binary: labels take a bounded set of values whatever a
//! client sends, and the route is rate-limited like any other.

mod binary_support;

use binary_support::*;
use rand::Rng;
use rand::distributions::Alphanumeric;
use reqwest::{Method, StatusCode};

async fn metrics(p: &Proc) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .get(format!("{}/metrics", p.base))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn invented_methods_leave_no_label_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(
        dir.path(),
        &["--api-key", API_KEY, "--signing-secret", SECRET],
        &[],
    );
    let mut rng = rand::thread_rng();
    let mut invented: Vec<String> = ["FOOBAR", "get", "Post", "TRACE", "CONNECT", "PROPFIND"]
        .map(String::from)
        .to_vec();
    invented.extend((0..60).map(|_| {
        let len = rng.gen_range(3..20);
        format!(
            "Q{}",
            (&mut rng)
                .sample_iter(&Alphanumeric)
                .take(len)
                .map(char::from)
                .collect::<String>()
        )
    }));
    let http = reqwest::Client::new();
    let paths = [
        "/api/v1/capture-links",
        "/healthz",
        "/no/such/path",
        "/metrics",
    ];
    for (i, m) in invented.iter().enumerate() {
        let method = Method::from_bytes(m.as_bytes()).unwrap();
        let r = http
            .request(method, format!("{}{}", p.base, paths[i % paths.len()]))
            .send()
            .await
            .unwrap();
        assert!(!r.status().is_server_error(), "{m}: {}", r.status());
    }
    let (status, text) = metrics(&p).await;
    assert_eq!(status, StatusCode::OK);
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_request"))
        .collect();
    for m in &invented {
        let label = format!("method=\"{m}\"");
        assert!(
            !series.iter().any(|l| l.contains(&label)),
            "{m} became a label:\n{text}"
        );
    }
    // They are counted, as `other`.
    let other: f64 = series
        .iter()
        .filter(|l| l.starts_with("http_requests_total{") && l.contains("method=\"other\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(other as usize, invented.len(), "{text}");
    // Every method label is one of the known few.
    for l in &series {
        let Some(rest) = l.split("method=\"").nth(1) else {
            continue;
        };
        let value = rest.split('"').next().unwrap();
        assert!(
            [
                "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"
            ]
            .contains(&value),
            "{l}"
        );
    }
    // Routes are templates: the made-up path is not one.
    assert!(!text.contains("/no/such/path"), "{text}");
}

#[tokio::test]
async fn metrics_answer_429_once_the_ip_limit_is_spent_and_probes_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(
        dir.path(),
        &[
            "--api-key",
            API_KEY,
            "--signing-secret",
            SECRET,
            "--rate-limit-ip-per-minute",
            "1",
            "--rate-limit-ip-burst",
            "3",
        ],
        &[],
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(metrics(&p).await.0);
    }
    assert_eq!(statuses[0], StatusCode::OK, "{statuses:?}");
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    let r = reqwest::Client::new()
        .get(format!("{}/metrics", p.base))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // The probes stay exempt: an orchestrator keeps seeing the truth.
    for probe in ["/healthz", "/readyz"] {
        let r = reqwest::get(format!("{}{probe}", p.base)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{probe}");
    }
}
