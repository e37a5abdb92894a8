// Part of tests/fuzz_json.rs (textually included, so it shares that file's imports).

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

