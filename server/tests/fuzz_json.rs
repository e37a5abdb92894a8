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

// The parts, split only to keep each file short; `include!` keeps one module.
include!("fuzz/endpoints.rs");
include!("fuzz/cases.rs");
include!("fuzz/judge.rs");

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
