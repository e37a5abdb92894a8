//! Shared harness for the in-process HTTP tests: one server per test, on a fresh
//! data folder, driven through `tower::ServiceExt::oneshot`.
//!
//! By topic: [`server`] starts a server and sends requests, [`resp`] asserts on
//! answers, [`uploads`] drives the upload API, [`fixtures`] makes recordings,
//! URLs and tokens. Everything is re-exported here, so `common::X` names it.
#![allow(dead_code)] // Each test crate uses a different subset.

pub mod fixtures;
pub mod genesys;
pub mod resp;
pub mod server;
pub mod uploads;
pub mod video;
pub mod watch;

// Re-exported so `common::X` keeps naming every helper; each test crate uses a subset.
#[allow(unused_imports)]
pub use fixtures::*;
#[allow(unused_imports)]
pub use server::{Resp, Server, call};

pub const API_KEY: &str = "test-api-key-5f1c2a9e-0123456789abcdef";
pub const SECRET: &str = "test-signing-secret-0123456789abcdef";
pub const PUBLIC_URL: &str = "http://127.0.0.1:8080/";
pub const PART_SIZE: usize = 1024;
pub const WEBM: &str = "video/webm;codecs=vp9,opus";
pub const WEBM_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];
