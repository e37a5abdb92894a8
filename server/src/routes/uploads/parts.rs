//! Which part URLs an upload may have, and for how many bytes each.
//!
//! An upload holds at most its `totalBytes` (when given at create) or the largest
//! upload (`VIDREPLY_MAX_UPLOAD_BYTES`): a part that would start past that is not
//! signed, and the part that reaches it is signed only for the bytes left. Every
//! URL is signed for its part's exact size, so storage refuses a longer body.

use vidreply_core::protocol::{MAX_PARTS, SignPartsRequest};

use crate::config::Settings;
use crate::db::UploadRow;
use crate::error::ApiError;

/// Parts one sign request may ask for.
pub const MAX_SIGN_BATCH: usize = 100;

/// `(part number, bytes)` for each part asked for, in the order asked.
pub fn plan(
    s: &Settings,
    upload: &UploadRow,
    req: &SignPartsRequest,
) -> Result<Vec<(u32, u64)>, ApiError> {
    let sizes = &req.part_sizes;
    if !sizes.is_empty() && sizes.len() != req.part_numbers.len() {
        return Err(ApiError::field(
            "partSizes",
            format!(
                "partSizes must give one size per part number ({}), or be left out.",
                req.part_numbers.len()
            ),
        ));
    }
    let ps = s.part_size;
    let (cap, limit) = match upload.declared_bytes {
        Some(d) => (d.max(0) as u64, "its totalBytes"),
        None => (s.max_upload_bytes, "VIDREPLY_MAX_UPLOAD_BYTES"),
    };
    let mut out = Vec::with_capacity(req.part_numbers.len());
    for (i, &n) in req.part_numbers.iter().enumerate() {
        let asked = sizes.get(i).copied();
        if asked.is_some_and(|b| b == 0 || b > ps) {
            return Err(ApiError::field(
                format!("partSizes[{i}]"),
                format!(
                    "partSizes[{i}] is {}; a part holds 1 to {ps} bytes (partSize).",
                    asked.unwrap_or_default()
                ),
            ));
        }
        let start = u64::from(n - 1) * ps;
        if start >= cap {
            return Err(ApiError::TooLarge(format!(
                "Part {n} would start at byte {start}, but this upload may hold at most \
                 {cap} bytes ({limit})."
            )));
        }
        let room = ps.min(cap - start);
        let size = asked.unwrap_or(room);
        if size > room {
            return Err(ApiError::TooLarge(format!(
                "Part {n} of {size} bytes would take this upload past the {cap} bytes it \
                 may hold ({limit})."
            )));
        }
        out.push((n, size));
    }
    Ok(out)
}

/// The part numbers themselves: 1 to [`MAX_SIGN_BATCH`] of them, each in range.
pub fn check_numbers(req: &SignPartsRequest) -> Result<(), ApiError> {
    if req.part_numbers.is_empty() || req.part_numbers.len() > MAX_SIGN_BATCH {
        return Err(ApiError::field(
            "partNumbers",
            format!("partNumbers must list between 1 and {MAX_SIGN_BATCH} parts."),
        ));
    }
    for (i, n) in req.part_numbers.iter().enumerate() {
        if !(1..=MAX_PARTS).contains(n) {
            return Err(ApiError::field(
                format!("partNumbers[{i}]"),
                format!("partNumbers[{i}] is {n}; part numbers run from 1 to {MAX_PARTS}."),
            ));
        }
    }
    Ok(())
}
