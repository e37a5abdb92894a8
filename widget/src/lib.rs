//! The npm package of the vidreply recorder: `mount(element, options)` and its types,
//! all defined in [`vidreply::widget`]. Linking the vidreply library into this cdylib is
//! what exports them to JavaScript; this crate adds nothing of its own.
#![forbid(unsafe_code)]

pub use vidreply::widget::{RecorderHandle, mount};
