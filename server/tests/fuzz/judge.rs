// Part of tests/fuzz_json.rs (textually included, so it shares that file's imports).

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
    let genesys = common::genesys::AGENT_TOKEN.to_string();
    let (mine, other) = match ep.scheme.as_str() {
        "apiKey" => (&f.api_key, &f.token),
        "genesysToken" => (&genesys, &f.token),
        "watchToken" => (&f.watch, &f.token),
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
    // Beacons send JSON as text/plain; endpoints that document it read it as JSON.
    let ct_is_json = ct_is_json || (ep.text_plain && content_type == Some("text/plain"));
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

