//! Sans-IO logic shared by the vidreply browser component and server.
//!
//! Nothing here performs I/O or reads a clock: events go in, commands come out,
//! and the current time is always passed in by the caller. That keeps every
//! decision (which part to send next, how long to wait, when to re-sign) testable
//! natively and exhaustively.
#![forbid(unsafe_code)]

pub mod capture;
pub mod classify;
pub mod media;
pub mod policy;
pub mod protocol;
pub mod recorder;
pub mod recorder_types;
pub mod recording;
pub mod upload;
pub mod upload_drive;
mod upload_parts;
pub mod upload_types;
pub mod vocab;
pub mod watch;

pub use classify::{Failure, Verdict, classify};
pub use policy::{RetryPolicy, RetrySchedule};
pub use upload::{Command, Event, Phase, UploadConfig, Uploader};
