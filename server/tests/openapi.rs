//! The OpenAPI document is served, checked in as `docs/openapi.json`, and matches the
//! real routes: every documented operation reaches a handler, and every route in the
//! source is documented.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::Value;

const REGENERATE: &str = "UPDATE_OPENAPI=1 cargo test -p vidreply-server --test openapi";

/// Stands in for `{id}` and other path parameters: well-formed, but nothing has it.
const DUMMY_ID: &str = "0123456789abcdef0123456789abcdef";

/// Routes registered without `routes!`, so not in the document, and why.
const UNDOCUMENTED: &[(&str, &str)] = &[
    (
        "/storage/parts/{upload}/{part}",
        "local backend's signed part URLs, handed out by sign; S3-shaped, not JSON",
    ),
    (
        "/storage/objects/{*key}",
        "local backend's signed object URLs, reached through /v/{id}/media",
    ),
    ("/api/v1", "the nest of the documented /api/v1 routes"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

async fn served(s: &Server) -> (String, Value) {
    let r = s.get("/api/v1/openapi.json", None).await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("application/json"));
    (r.text(), r.json())
}

/// The operations of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                ops.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        out.push_str(DUMMY_ID);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The answer the router gives when no route matches: 405, or the envelope's
/// `No such endpoint.` 404 (the API fallback and the static-file fallback both).
fn is_fallback(r: &Resp) -> bool {
    if r.status == StatusCode::METHOD_NOT_ALLOWED {
        return true;
    }
    r.status == StatusCode::NOT_FOUND
        && serde_json::from_slice::<Value>(&r.body)
            .is_ok_and(|v| v["error"]["message"] == "No such endpoint.")
}

#[tokio::test]
async fn checked_in_document_is_what_the_server_serves() {
    let s = Server::start().await;
    let (text, _) = served(&s).await;
    let path = doc_path();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &text).expect("write docs/openapi.json");
        eprintln!("wrote {}", path.display());
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Generate it with `{REGENERATE}` and commit it.",
            path.display()
        )
    });
    if on_disk != text {
        let (n, (old, new)) = on_disk
            .lines()
            .chain(std::iter::repeat("<end of file>"))
            .zip(text.lines().chain(std::iter::repeat("<end of file>")))
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((0, ("", "")));
        panic!(
            "docs/openapi.json differs from what the server serves at /api/v1/openapi.json.\n\
             Regenerate it with `{REGENERATE}` and commit it.\n\
             First difference, line {}:\n  docs/openapi.json: {old}\n  served:            {new}",
            n + 1
        );
    }
    // The served document is the one the code builds.
    let built = vidreply_server::routes::openapi().to_pretty_json().unwrap();
    assert_eq!(text.trim_end(), built);
}

#[tokio::test]
async fn every_documented_operation_reaches_a_handler() {
    let s = Server::start().await;
    let (_, doc) = served(&s).await;
    let ops = operations(&doc);
    assert!(ops.len() >= 10, "{ops:?}");
    for (method, path, op) in &ops {
        let uri = concrete(path);
        let req = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let r = s.send(req).await;
        assert!(
            !is_fallback(&r),
            "{method} {path} is documented, but the router has no such route: {} {}",
            r.status,
            r.text()
        );
        // Without credentials or body, the answer is one the document lists.
        let documented: BTreeSet<&str> = op["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            documented.contains(r.status.as_str()),
            "{method} {path} answered {} ({}), which is not among its documented responses {documented:?}",
            r.status,
            r.text()
        );
    }
}

#[tokio::test]
async fn undocumented_methods_on_documented_paths_are_not_routed() {
    let s = Server::start().await;
    let (_, doc) = served(&s).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                continue;
            }
            let req = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(concrete(path))
                .body(Body::empty())
                .unwrap();
            let r = s.send(req).await;
            assert_eq!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but not documented: {}",
                r.text()
            );
        }
    }
}

/// The first argument of every `.route(`, `.route_service(`, `.nest(` and
/// `.nest_service(` call in the server's source.
fn registered_paths(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            registered_paths(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
            for (at, _) in src.match_indices(call) {
                let arg = src[at + call.len()..].trim_start();
                let literal = arg
                    .strip_prefix('"')
                    .and_then(|a| a.split_once('"'))
                    .map(|(lit, _)| lit.to_string())
                    .unwrap_or_else(|| format!("<not a literal: {}>", &arg[..arg.len().min(30)]));
                out.push((format!("{}", path.display()), literal));
            }
        }
    }
}

#[tokio::test]
async fn every_route_in_the_source_is_documented() {
    let s = Server::start().await;
    let (_, doc) = served(&s).await;
    let documented: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut found = Vec::new();
    registered_paths(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    for (path, _) in UNDOCUMENTED {
        assert!(
            found.iter().any(|(_, p)| p == path),
            "{path} is no longer registered; drop it from UNDOCUMENTED"
        );
    }
    for (file, path) in &found {
        let excused = UNDOCUMENTED.iter().any(|(p, _)| p == path);
        let in_doc = documented.contains(path.as_str())
            || documented.contains(format!("/api/v1{path}").as_str());
        assert!(
            excused || in_doc,
            "{file} registers {path} outside the OpenAPI document. Register the handler with \
             `routes!(...)` and annotate it with `#[utoipa::path]` (see routes/mod.rs), or add it \
             to UNDOCUMENTED in this test with the reason."
        );
    }
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r);
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn document_is_complete_and_consistent() {
    let s = Server::start().await;
    let (_, doc) = served(&s).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        assert!(resolve(&doc, r).is_some(), "dangling $ref {r}");
    }

    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("apiKey") && schemes.contains_key("captureToken"));
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let name = format!("{method} {path}");
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: operationId"));
        assert!(
            ids.insert(id.to_string()),
            "{name}: operationId {id} is used twice"
        );
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{name}: tag"
        );
        assert!(op["summary"].is_string(), "{name}: summary (doc comment)");

        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        for req in op["security"].as_array().into_iter().flatten() {
            for scheme in req.as_object().unwrap().keys() {
                assert!(
                    schemes.contains_key(scheme),
                    "{name}: unknown scheme {scheme}"
                );
            }
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{name}: a success response"
        );
        if secured {
            assert!(responses.contains_key("401"), "{name}: secured, so 401");
        }
        if path.starts_with("/api/v1/") {
            for (status, resp) in responses {
                let resp = match resp.get("$ref").and_then(Value::as_str) {
                    Some(r) => resolve(&doc, r).unwrap(),
                    None => resp,
                };
                assert!(
                    resp["headers"]["x-request-id"].is_object(),
                    "{name} {status}: x-request-id"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        resp["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorEnvelope",
                        "{name} {status}: the error envelope"
                    );
                }
            }
        }
        if let Some(body) = op.get("requestBody") {
            assert_eq!(body["required"], true, "{name}: body required");
            // JSON bodies are named schemas with an example; others (the poster JPEG) are bytes.
            if let Some(schema) = body["content"].get("application/json") {
                let schema = resolve(
                    &doc,
                    schema["schema"]["$ref"]
                        .as_str()
                        .expect("named body schema"),
                )
                .unwrap();
                assert!(
                    schema["examples"][0].is_object(),
                    "{name}: the request schema needs an example (the fuzz test starts from it)"
                );
            }
            assert!(
                responses.contains_key("400"),
                "{name}: takes a body, so 400"
            );
            assert!(
                responses.contains_key("415"),
                "{name}: takes a body, so 415"
            );
            assert!(
                responses.contains_key("413"),
                "{name}: takes a body, so 413"
            );
        }
    }

    // Every error code the server can answer is listed on the envelope.
    let codes = &doc["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"];
    let codes: BTreeSet<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        codes,
        vidreply_server::routes::openapi::ERROR_CODES
            .iter()
            .copied()
            .collect()
    );
}
