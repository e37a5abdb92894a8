//! Bad input over every JSON endpoint never gets a 5xx.
//!
//! The endpoints come from the OpenAPI document (every operation with a JSON request
//! body), so a new endpoint is covered as soon as it is documented. Each starts from
//! the example of its request schema and is sent: that body with one field deleted or
//! replaced (wrong types, huge numbers, odd and long unicode, 1 MiB strings), arbitrary
//! JSON trees, extra fields, bytes that are not JSON, wrong content types, and missing
//! or wrong credentials. Every answer must be below 500, be documented for the
//! operation, and, when it is a 4xx, be the error envelope with a documented code; a
//! 400 for a body whose one bad field is known must name that field; a body the
//! request schema rejects must get that 400.

mod common;

use std::fmt;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use common::*;
use http_body_util::BodyExt;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Bodies at least this long must be refused as too large (the JSON limit is 64 KiB).
const HUGE: usize = 1 << 20;
/// Bodies shorter than this are under the JSON body limit.
const SMALL: usize = 60 * 1024;

// ---------------------------------------------------------------------------------
// The endpoints, from the document.

struct Endpoint {
    method: String,
    template: String,
    uri: String,
    scheme: String,
    /// Takes the API key and a capture token alike.
    either: bool,
    /// Schema of the request body, `$ref`s resolved on use.
    schema: Value,
    example: Value,
    /// Every place in the example a mutation can hit.
    paths: Vec<Vec<Seg>>,
    /// Documented response statuses.
    statuses: Vec<String>,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.to_uppercase(), self.template)
    }
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    server: Server,
    doc: Value,
    codes: Vec<String>,
    endpoints: Vec<Endpoint>,
    api_key: String,
    token: String,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (server, doc, token, upload) = rt.block_on(async {
        // Limits off: the point here is validation, not the rate limiter (tests/hardening.rs).
        let s = Server::start_with(&[
            "--rate-limit-ip-per-minute",
            "0",
            "--rate-limit-token-per-minute",
            "0",
        ])
        .await;
        let doc: Value = s.get("/api/v1/openapi.json", None).await.json();
        let token = s.token("conv-fuzz").await;
        let upload = s.create_upload(&token).await.upload_id;
        (s, doc, token, upload)
    });
    let codes = doc["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]
        .as_array()
        .expect("error codes are listed")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let mut endpoints = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned()
            else {
                continue;
            };
            let example = deref(&doc, &schema)["examples"][0].clone();
            assert!(
                example.is_object(),
                "{method} {template}: its request schema needs an example"
            );
            assert_eq!(
                admits(&doc, &schema, &example),
                Some(true),
                "{method} {template}: the example does not fit its own schema"
            );
            let scheme = op["security"][0]
                .as_object()
                .and_then(|s| s.keys().next().cloned())
                .unwrap_or_default();
            // An endpoint that takes either credential has no "other" one.
            let either = op["security"].as_array().is_some_and(|a| a.len() > 1);
            let mut paths = Vec::new();
            places(&example, &mut Vec::new(), &mut paths);
            endpoints.push(Endpoint {
                method: method.clone(),
                // The only path parameter is an upload id: use a real upload.
                uri: template.replace("{id}", &upload),
                template: template.clone(),
                scheme,
                either,
                schema,
                example,
                paths,
                statuses: op["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect(),
            });
        }
    }
    assert!(endpoints.len() >= 4, "JSON endpoints: {}", endpoints.len());
    Fixture {
        rt,
        server,
        doc,
        codes,
        endpoints,
        api_key: API_KEY.to_string(),
        token,
    }
}

fn deref<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.strip_prefix('#').unwrap())
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => schema,
    }
}

/// Whether `v` fits `schema` (the subset of JSON Schema the document uses):
/// `Some(true)`, `Some(false)`, or `None` when the server's answer cannot be
/// predicted from the schema. Shapes the checker does not know count as `None`.
fn admits(doc: &Value, schema: &Value, v: &Value) -> Option<bool> {
    let schema = deref(doc, schema);
    if let Some(alts) = schema["oneOf"].as_array() {
        let fits: Vec<_> = alts.iter().map(|s| admits(doc, s, v)).collect();
        return if fits.contains(&Some(true)) {
            Some(true)
        } else if fits.iter().all(|f| *f == Some(false)) {
            Some(false)
        } else {
            None
        };
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let ty = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if ty == "array" && types == ["object"] {
        // serde also reads a struct from an array of its fields in declaration
        // order (`["conv-1"]` for `{"conversationId": "conv-1"}`), which the
        // schema cannot tell.
        return None;
    }
    if !(types.contains(&ty) || ty == "integer" && types.contains(&"number")) {
        return Some(false);
    }
    let bound = |k: &str| schema[k].as_f64();
    let within = |k: &str, x: f64, ok: fn(f64, f64) -> bool| bound(k).is_none_or(|m| ok(x, m));
    let ge = |x: f64, m: f64| x >= m;
    let le = |x: f64, m: f64| x <= m;
    match v {
        Value::Number(n) => {
            let x = n
                .as_i64()
                .map(|i| i as f64)
                .or(n.as_u64().map(|u| u as f64))
                .or(n.as_f64())
                .unwrap();
            let int32 = schema["format"] == "int32";
            Some(
                within("minimum", x, ge)
                    && within("maximum", x, le)
                    && (!int32 || (i32::MIN as f64..=u32::MAX as f64).contains(&x)),
            )
        }
        Value::String(s) => {
            let n = s.chars().count() as f64;
            Some(within("minLength", n, ge) && within("maxLength", n, le))
        }
        Value::Array(items) => {
            let n = items.len() as f64;
            let own = within("minItems", n, ge) && within("maxItems", n, le);
            all([Some(own)]
                .into_iter()
                .chain(items.iter().map(|i| admits(doc, &schema["items"], i))))
        }
        Value::Object(fields) => {
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            let present = required
                .iter()
                .all(|k| k.as_str().is_some_and(|k| fields.contains_key(k)));
            all([Some(present)]
                .into_iter()
                .chain(
                    fields
                        .iter()
                        .map(|(k, v)| match schema["properties"].get(k) {
                            Some(s) => admits(doc, s, v),
                            None => Some(true),
                        }),
                ))
        }
        _ => Some(true),
    }
}

/// A misfit anywhere decides; otherwise any unknown part leaves the whole unknown.
fn all(fits: impl IntoIterator<Item = Option<bool>>) -> Option<bool> {
    let mut out = Some(true);
    for f in fits {
        match f {
            Some(false) => return Some(false),
            None => out = None,
            Some(true) => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// Cases.

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `parts[0].etag`, as the server names fields.
fn render(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k)
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn places(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    let children: Vec<(Seg, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, v)| (Seg::Key(k.clone()), v)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (Seg::Index(i), v))
            .collect(),
        _ => return,
    };
    for (seg, child) in children {
        at.push(seg);
        out.push(at.clone());
        places(child, at, out);
        at.pop();
    }
}

/// A value to put somewhere, kept small to print: long strings are built on use.
#[derive(Clone, PartialEq)]
enum Bad {
    Json(Value),
    Repeat(&'static str, usize),
}

impl fmt::Debug for Bad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bad::Json(v) => write!(f, "{v}"),
            Bad::Repeat(unit, n) => write!(f, "{unit:?} × {n}"),
        }
    }
}

impl Bad {
    fn value(&self) -> Value {
        match self {
            Bad::Json(v) => v.clone(),
            Bad::Repeat(unit, n) => Value::String(unit.repeat(*n)),
        }
    }
}

#[derive(Debug, Clone)]
enum Shape {
    /// The example with the value at `path` deleted (`None`) or replaced.
    Mutate(Vec<Seg>, Option<Bad>),
    /// The example with extra fields.
    Extra(Vec<(String, Value)>),
    /// Any JSON at all.
    Whole(Value),
    /// Bytes, mostly not JSON.
    Raw(RawBytes),
}

#[derive(Clone)]
struct RawBytes(Vec<u8>);

impl fmt::Debug for RawBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = String::from_utf8_lossy(&self.0);
        if s.len() > 200 {
            write!(
                f,
                "{:?}… ({} bytes)",
                &s[..s.floor_char_boundary(200)],
                self.0.len()
            )
        } else {
            write!(f, "{s:?}")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Auth {
    Valid,
    Missing,
    /// `Basic …`: not a bearer at all.
    WrongScheme,
    /// `Bearer ` with nothing after it.
    EmptyBearer,
    /// A bearer that is no credential of ours.
    Garbage,
    /// The other kind of credential (the API key for a capture token and back).
    Other,
}

/// Content types, and whether the server takes them as JSON.
const CONTENT_TYPES: &[(Option<&str>, bool)] = &[
    (Some("application/json"), true),
    (Some("application/json; charset=utf-8"), true),
    (Some("Application/JSON"), true),
    (None, false),
    (Some("text/plain"), false),
    (Some("application/x-www-form-urlencoded"), false),
    (Some("application/vnd.api+json"), false),
    (Some("multipart/form-data; boundary=x"), false),
];

#[derive(Debug, Clone)]
struct Case {
    shape: Shape,
    content_type: usize,
    auth: Auth,
}

/// Odd text: right-to-left, emoji with joiners, NUL and other controls, BOM,
/// combining marks, the last code point, quotes, markup, injection.
const ODD: &[&str] = &[
    "\u{202E}gnp.exe",
    "שלום",
    "مرحبا",
    "👩‍👩‍👧‍👦",
    "🎥",
    "\u{0}",
    "\u{7}\u{1b}[31m",
    "\r\n",
    "\u{FEFF}",
    "e\u{301}\u{301}\u{301}",
    "\u{10FFFF}",
    "\u{FFFD}",
    "\\\"'",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00%2e%2e",
    "{{gcConversationId}}",
    " ",
];

fn fixed_values() -> Vec<Value> {
    let mut v = vec![
        Value::Null,
        json!(true),
        json!(false),
        json!(0),
        json!(1),
        json!(-1),
        json!(2),
        json!(59),
        json!(60),
        json!(10_000),
        json!(10_001),
        json!(u32::MAX),
        json!(u32::MAX as u64 + 1),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(u64::MAX),
        // u64::MAX + 1 is a float in JSON terms.
        json!(18_446_744_073_709_551_616f64),
        json!(1e308),
        json!(-1e308),
        json!(0.5),
        json!(1.0),
        json!(-0.0),
        json!("NaN"),
        json!("Infinity"),
        json!("-1"),
        json!("1"),
        json!(""),
        json!("video/webm"),
        json!("VIDEO/MP4 ; codecs=\"avc1\""),
        json!("video/quicktime"),
        json!("video/webm;codecs=\u{202E}vp9"),
        json!("video/webm;👩‍👩‍👧‍👦"),
        json!(format!("video/mp4;{}", "x".repeat(246))),
        json!("text/plain"),
        json!([]),
        json!([null]),
        json!([[[[[]]]]]),
        json!([1, 1, 1]),
        json!({}),
        json!({ "": null }),
        json!([{}]),
        json!([{ "partNumber": 1, "etag": "\"x\"" }]),
    ];
    v.extend(ODD.iter().map(|s| json!(s)));
    v
}

fn long_values() -> Vec<Bad> {
    let mut v = Vec::new();
    for unit in ["a", "é", "👩‍👩‍👧‍👦", "\u{202E}", "\u{0}"] {
        for n in [129, 257, 1_000] {
            v.push(Bad::Repeat(unit, n));
        }
    }
    v.push(Bad::Repeat("a", 30_000));
    v.push(Bad::Repeat("a", HUGE));
    v.push(Bad::Repeat("é", HUGE / 2));
    v
}

fn arb_json(keys: Vec<String>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        ".{0,40}".prop_map(Value::from),
        select(ODD).prop_map(Value::from),
    ];
    let key = prop_oneof![select(keys), ".{0,12}"];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bytes that are not JSON, or JSON that parsers trip on.
fn raw_specials(ep: &Endpoint) -> Vec<Vec<u8>> {
    let example = ep.example.to_string();
    let field = ep
        .example
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_default();
    let mut v: Vec<Vec<u8>> = vec![
        Vec::new(),
        b" ".to_vec(),
        b"null".to_vec(),
        b"0".to_vec(),
        b"\"\"".to_vec(),
        b"[]".to_vec(),
        b"NaN".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"{}{}".to_vec(),
        "[".repeat(10_000).into_bytes(),
        format!("{}1{}", "[".repeat(127), "]".repeat(127)).into_bytes(),
        format!("{{\"{field}\":").repeat(5_000).into_bytes(),
        format!("{{\"{field}\":\"\\ud800\"}}").into_bytes(),
        format!("{{\"{field}\":\"\\u0000\"}}").into_bytes(),
        format!("{{\"{field}\":1e999999}}").into_bytes(),
        format!("{{\"{field}\":-0}}").into_bytes(),
        format!("{{\"{field}\":\"a\",\"{field}\":\"b\"}}").into_bytes(),
        format!("{{\"{field}\":\"a\u{0}b\"}}").into_bytes(),
        format!("\u{FEFF}{example}").into_bytes(),
        // Regression: these were half read (the first value taken, the rest dropped)
        // and answered 2xx, until `parse_json` checked for the end of input.
        format!("{example}x").into_bytes(),
        format!("{example}{example}").into_bytes(),
        example.replace(':', "=").into_bytes(),
        example.replace('"', "'").into_bytes(),
    ];
    let mut bad_utf8 = format!("{{\"{field}\":\"").into_bytes();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc0, 0x80]);
    bad_utf8.extend_from_slice(b"\"}");
    v.push(bad_utf8);
    v.push(b"conversationId=c&mimeType=video/webm".to_vec());
    v
}

fn case_strategy(ep: &Endpoint) -> impl Strategy<Value = Case> + use<> {
    let fixed = fixed_values();
    let keys: Vec<String> = ep
        .paths
        .iter()
        .filter_map(|p| match p.last() {
            Some(Seg::Key(k)) => Some(k.clone()),
            _ => None,
        })
        .collect();
    let bad = prop_oneof![
        4 => select(fixed).prop_map(Bad::Json),
        2 => arb_json(keys.clone()).prop_map(Bad::Json),
        1 => select(long_values()),
        1 => any::<String>().prop_map(|s| Bad::Json(Value::String(s))),
        1 => (0u64..20_000).prop_map(|n| Bad::Json(json!(n))),
        1 => "[a-z]{1,8}/[a-z0-9.;=, -]{0,30}".prop_map(|s| Bad::Json(json!(s))),
        // Accepted media types with anything after them: stored, echoed in pages.
        1 => (select(&["video/webm", "video/mp4", "Video/QuickTime "][..]), any::<String>())
            .prop_map(|(t, rest)| Bad::Json(json!(format!("{t};{rest}")))),
    ];
    let example_len = ep.example.to_string().len();
    let example_bytes = ep.example.to_string().into_bytes();
    let raw = prop_oneof![
        2 => select(raw_specials(ep)),
        1 => vec(any::<u8>(), 0..200),
        1 => (0..example_len).prop_map(move |n| example_bytes[..n].to_vec()),
    ];
    let shape = prop_oneof![
        6 => (select(ep.paths.clone()), prop::option::weighted(0.85, bad))
            .prop_map(|(p, b)| Shape::Mutate(p, b)),
        1 => vec(("[a-zA-Z_$]{1,12}", arb_json(keys.clone())), 1..4).prop_map(Shape::Extra),
        2 => arb_json(keys).prop_map(Shape::Whole),
        2 => raw.prop_map(|b| Shape::Raw(RawBytes(b))),
    ];
    let content_type = prop_oneof![6 => Just(0usize), 3 => 0..CONTENT_TYPES.len()];
    let auth = prop_oneof![
        8 => Just(Auth::Valid),
        1 => Just(Auth::Missing),
        1 => Just(Auth::WrongScheme),
        1 => Just(Auth::EmptyBearer),
        1 => Just(Auth::Garbage),
        1 => Just(Auth::Other),
    ];
    (shape, content_type, auth).prop_map(|(shape, content_type, auth)| Case {
        shape,
        content_type,
        auth,
    })
}

// ---------------------------------------------------------------------------------
// Sending a case and judging the answer.

/// The body of a case, and what is known about it: the field a 400 must name
/// (`Some("")` when any field will do), and whether the schema takes it (`None`:
/// not known).
struct Built {
    bytes: Vec<u8>,
    anchor: Option<String>,
    fits_schema: Option<bool>,
    is_json: bool,
}

fn build(f: &Fixture, ep: &Endpoint, shape: &Shape) -> Built {
    let json_body = |v: &Value, anchor: Option<String>| Built {
        bytes: serde_json::to_vec(v).unwrap(),
        fits_schema: admits(&f.doc, &ep.schema, v),
        anchor,
        is_json: true,
    };
    match shape {
        Shape::Mutate(path, bad) => {
            let mut body = ep.example.clone();
            let (last, parent) = path.split_last().unwrap();
            let mut at = &mut body;
            for seg in parent {
                at = match seg {
                    Seg::Key(k) => &mut at[k.as_str()],
                    Seg::Index(i) => &mut at[*i],
                };
            }
            let anchor = match (bad, last) {
                (Some(b), Seg::Key(k)) => {
                    at[k.as_str()] = b.value();
                    render(path)
                }
                (Some(b), Seg::Index(i)) => {
                    at[*i] = b.value();
                    render(path)
                }
                (None, Seg::Key(k)) => {
                    at.as_object_mut().unwrap().remove(k);
                    render(path)
                }
                (None, Seg::Index(i)) => {
                    at.as_array_mut().unwrap().remove(*i);
                    render(parent)
                }
            };
            json_body(&body, Some(anchor))
        }
        Shape::Extra(fields) => {
            let mut body = ep.example.clone();
            for (k, v) in fields {
                body[k.as_str()] = v.clone();
            }
            // An extra field may overwrite a real one: then any field may be named.
            json_body(&body, Some(String::new()))
        }
        Shape::Whole(v) => json_body(v, Some(String::new())),
        Shape::Raw(RawBytes(bytes)) => {
            let value = serde_json::from_slice::<Value>(bytes).ok();
            Built {
                bytes: bytes.clone(),
                anchor: value.is_some().then(String::new),
                // Parsing to a `Value` hides what the server refuses (duplicate keys).
                fits_schema: None,
                is_json: value.is_some(),
            }
        }
    }
}

struct Answer {
    status: u16,
    request_id: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

async fn send(app: Router, req: Request<Body>) -> Answer {
    let res = app.oneshot(req).await.expect("infallible");
    let header = |name| {
        res.headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap_or("<not ASCII>").to_string())
    };
    let (request_id, content_type) = (header("x-request-id"), header("content-type"));
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        request_id,
        content_type,
        body,
    }
}

fn authorization(f: &Fixture, ep: &Endpoint, auth: Auth) -> Option<String> {
    let (mine, other) = match ep.scheme.as_str() {
        "apiKey" => (&f.api_key, &f.token),
        _ => (&f.token, &f.api_key),
    };
    match auth {
        Auth::Valid => Some(format!("Bearer {mine}")),
        Auth::Missing => None,
        Auth::WrongScheme => Some("Basic dXNlcjpwYXNzd29yZA==".into()),
        Auth::EmptyBearer => Some("Bearer ".into()),
        Auth::Garbage => Some("Bearer eyJhbGciOiJub25lIn0.e30.".into()),
        Auth::Other if ep.either => Some("Bearer neither-a-key-nor-a-token".into()),
        Auth::Other => Some(format!("Bearer {other}")),
    }
}

fn run_case(f: &Fixture, ep: &Endpoint, case: &Case) -> Result<(), String> {
    let built = build(f, ep, &case.shape);
    let (content_type, ct_is_json) = CONTENT_TYPES[case.content_type];
    let mut req = Request::builder()
        .method(ep.method.to_uppercase().as_str())
        .uri(&ep.uri);
    if let Some(auth) = authorization(f, ep, case.auth) {
        req = req.header(header::AUTHORIZATION, auth);
    }
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let len = built.bytes.len();
    let req = req.body(Body::from(built.bytes.clone())).unwrap();
    let answer = f.rt.block_on(send(f.server.app.clone(), req));
    judge(f, ep, case, &built, ct_is_json, len, &answer).map_err(|why| {
        format!(
            "{ep} with {case:?} ({len} bytes) answered {}: {why}\n  body: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(500)])
        )
    })
}

fn judge(
    f: &Fixture,
    ep: &Endpoint,
    case: &Case,
    built: &Built,
    ct_is_json: bool,
    len: usize,
    a: &Answer,
) -> Result<(), String> {
    let ensure = |ok: bool, why: &str| if ok { Ok(()) } else { Err(why.to_string()) };
    ensure(a.status < 500, "a server error")?;
    ensure(
        ep.statuses.iter().any(|s| s == &a.status.to_string()),
        &format!("not a documented status ({:?})", ep.statuses),
    )?;
    let rid = a.request_id.as_deref().unwrap_or("");
    ensure(!rid.is_empty(), "no x-request-id")?;

    let mut error = None;
    if (400..500).contains(&a.status) {
        ensure(
            a.content_type.as_deref() == Some("application/json"),
            "a 4xx that is not JSON",
        )?;
        let v: Value = serde_json::from_slice(&a.body).map_err(|e| format!("4xx body: {e}"))?;
        let e = v["error"].as_object().ok_or("no error object")?;
        let code = e
            .get("code")
            .and_then(Value::as_str)
            .ok_or("no error.code")?;
        ensure(
            f.codes.iter().any(|c| c == code),
            &format!("undocumented code {code}"),
        )?;
        let message = e.get("message").and_then(Value::as_str).unwrap_or("");
        ensure(!message.trim().is_empty(), "no error.message")?;
        ensure(
            e.get("requestId").and_then(Value::as_str) == Some(rid),
            "error.requestId is not the x-request-id header",
        )?;
        let field = e.get("field").and_then(Value::as_str).map(str::to_string);
        if code == "invalid_field" {
            ensure(
                field.as_deref().is_some_and(|f| !f.is_empty()),
                "invalid_field without field",
            )?;
            ensure(
                message.contains(field.as_deref().unwrap().split(['[', '.']).next().unwrap()),
                "the message does not name the field",
            )?;
        }
        error = Some((code.to_string(), field));
    }
    let code = error.as_ref().map(|(c, _)| c.as_str());

    // No bearer at all: refused before anything else.
    if matches!(
        case.auth,
        Auth::Missing | Auth::WrongScheme | Auth::EmptyBearer
    ) {
        return ensure(
            a.status == 401 && code == Some("unauthenticated"),
            "expected 401 unauthenticated",
        );
    }
    // The body is read before the credential is checked.
    if !ct_is_json {
        return ensure(
            a.status == 415 && code == Some("unsupported_media_type"),
            "expected 415",
        );
    }
    if len >= HUGE {
        return ensure(a.status == 413 && code == Some("too_large"), "expected 413");
    }
    if len >= SMALL {
        return Ok(());
    }
    if !built.is_json {
        return ensure(
            a.status == 400 && matches!(code, Some("bad_request" | "invalid_field")),
            "not JSON, so expected 400",
        );
    }
    // serde also reads a struct from an array of its fields, and refuses a longer
    // array as "trailing characters" (`bad_request`): only where the schema cannot
    // tell (`None`) may well-formed JSON get that.
    let array_as_struct =
        error.as_ref().is_some_and(|(c, _)| c == "bad_request") && built.fits_schema.is_none();
    if a.status == 400 && !array_as_struct {
        let (code, field) = error.clone().unwrap();
        ensure(
            code == "invalid_field",
            "JSON that does not fit gets invalid_field",
        )?;
        if let Some(anchor) = built.anchor.as_deref().filter(|a| !a.is_empty()) {
            let field = field.unwrap_or_default();
            ensure(
                field == anchor
                    || field.starts_with(&format!("{anchor}."))
                    || field.starts_with(&format!("{anchor}[")),
                &format!("the 400 names {field:?}, but the bad field is {anchor:?}"),
            )?;
        }
    }
    match built.fits_schema {
        Some(false) if case.auth == Auth::Valid => ensure(
            a.status == 400,
            "the request schema rejects this body, so expected 400 naming the field",
        ),
        // Types are checked as the body is read, values after the credential.
        Some(false) => ensure(
            matches!(a.status, 400 | 401),
            "the request schema rejects this body; with a wrong credential expected 400 or 401",
        ),
        Some(true) if case.auth != Auth::Valid => ensure(
            a.status == 401 && code == Some("unauthenticated"),
            "a body that fits, with a wrong credential: expected 401",
        ),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------
// The tests.

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[test]
fn random_bad_input_never_gets_a_5xx() {
    let f = fixture();
    for ep in &f.endpoints {
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&case_strategy(ep), |case| {
            run_case(&f, ep, &case).map_err(TestCaseError::fail)
        });
        if let Err(e) = result {
            panic!("{ep}: {e}");
        }
    }
}

#[test]
fn every_field_with_every_bad_value() {
    let f = fixture();
    let mut failures = Vec::new();
    let mut sent = 0;
    for ep in &f.endpoints {
        let mut shapes: Vec<Shape> = Vec::new();
        for path in &ep.paths {
            shapes.push(Shape::Mutate(path.clone(), None));
            for v in fixed_values() {
                shapes.push(Shape::Mutate(path.clone(), Some(Bad::Json(v))));
            }
            for b in long_values() {
                shapes.push(Shape::Mutate(path.clone(), Some(b)));
            }
        }
        for raw in raw_specials(ep) {
            shapes.push(Shape::Raw(RawBytes(raw)));
        }
        let valid = Shape::Whole(ep.example.clone());
        let mut cases: Vec<Case> = shapes
            .into_iter()
            .map(|shape| Case {
                shape,
                content_type: 0,
                auth: Auth::Valid,
            })
            .collect();
        for content_type in 0..CONTENT_TYPES.len() {
            for auth in [
                Auth::Valid,
                Auth::Missing,
                Auth::WrongScheme,
                Auth::EmptyBearer,
                Auth::Garbage,
                Auth::Other,
            ] {
                cases.push(Case {
                    shape: valid.clone(),
                    content_type,
                    auth,
                });
            }
        }
        for case in &cases {
            sent += 1;
            if let Err(e) = run_case(&f, ep, case) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sent} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
