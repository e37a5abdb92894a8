// Part of tests/fuzz_json.rs (textually included, so it shares that file's imports).

// ---------------------------------------------------------------------------------
// The endpoints, from the document.

struct Endpoint {
    method: String,
    template: String,
    uri: String,
    scheme: String,
    /// Takes the API key and a capture token alike.
    either: bool,
    /// Also reads a JSON body sent as `text/plain` (a beacon's).
    text_plain: bool,
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
    /// A watch token of the examples' conversation (`conv-123`).
    watch: String,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (server, doc, token, upload, watch, asset) = rt.block_on(async {
        // The agent frame's exchange asks a Genesys Cloud stand-in on 127.0.0.1, which
        // takes only `AGENT_TOKEN`; it runs on `rt`, so it answers while a case is sent.
        let genesys = common::genesys::Genesys::start().await;
        // Limits off: the point here is validation, not the rate limiter (tests/hardening.rs).
        let mut args = vec![
            "--rate-limit-ip-per-minute".to_string(),
            "0".into(),
            "--rate-limit-token-per-minute".into(),
            "0".into(),
        ];
        args.extend(genesys.args());
        let s = Server::start_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        let doc: Value = s.get("/api/v1/openapi.json", None).await.json();
        let token = s.token("conv-fuzz").await;
        let upload = s.create_upload(&token).await.upload_id;
        // The telemetry example reports on a video of `conv-123`: make one, and a
        // watch token for it.
        let record = s.token("conv-123").await;
        let up = s.create_upload(&record).await;
        let bytes = recording(PART_SIZE / 2);
        let etag = s.upload_part(&record, &up.upload_id, 1, bytes.clone()).await;
        let done = s.complete(&record, &up.upload_id, &[(1, &etag)], None).await;
        let asset = s.expect_video(&done, &bytes).video_id;
        // It is also the examples' tutorial asset, ready for sign-video-url.
        let r = s
            .post(
                "/api/v1/assets",
                Some(API_KEY),
                serde_json::json!({ "videoId": asset, "title": "Fuzz tutorial" }),
            )
            .await;
        r.expect_status(axum::http::StatusCode::CREATED);
        let processed = vidreply_server::db::Processed {
            duration_ms: 60_000,
            mp4_key: format!("videos/{asset}/video.mp4"),
            hls_key: format!("videos/{asset}/hls/master.m3u8"),
            poster_key: None,
        };
        s.state.db.video_ready(&asset, &processed, None).await.unwrap();
        let now = now();
        let watch = s.state.tokens.issue(&vidreply_server::token::Claims {
            sub: "conv-123".into(),
            cus: None,
            scope: vidreply_server::token::Scope::Watch,
            iat: now,
            exp: now + 86_400,
            jti: "fuzz-watch".into(),
            rol: Default::default(),
            vid: Some(asset.clone()),
            sid: Some("fuzz-session".into()),
            agt: None,
        });
        (s, doc, token, upload, watch, asset)
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
            let example = deref(&doc, &schema)["examples"][0].to_string().replace(
                vidreply_core::protocol::EXAMPLE_ASSET_ID,
                &asset,
            );
            let example: Value = serde_json::from_str(&example).unwrap();
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
            let text_plain = op
                .pointer("/requestBody/content/text~1plain")
                .is_some();
            let mut paths = Vec::new();
            places(&example, &mut Vec::new(), &mut paths);
            endpoints.push(Endpoint {
                method: method.clone(),
                // The only path parameter is an upload id: use a real upload.
                uri: template.replace("{id}", &upload),
                template: template.clone(),
                scheme,
                either,
                text_plain,
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
        watch,
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
    if let Some(allowed) = schema["enum"].as_array() {
        return Some(allowed.contains(v));
    }
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
            let pattern = schema["pattern"].as_str().is_none_or(|p| {
                regex::Regex::new(p)
                    .unwrap_or_else(|e| panic!("pattern {p}: {e}"))
                    .is_match(s)
            });
            Some(within("minLength", n, ge) && within("maxLength", n, le) && pattern)
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

