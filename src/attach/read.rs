//! Reading one attachment: the file's kind (by [`super::sniff`]) picks its
//! reader; archives hand each entry back here, so nesting is read the same
//! way at every depth.

use super::budget::{Budget, Limits};
use super::error::{guard_panic, AttachError, Problem};
use super::part::{Extraction, Part};
use super::sniff::{sniff, Kind};
use super::{archive, ole, pdf, picture, rtf, text};
use crate::engine::document::{Cancel, Format};

/// Reads one attachment: see the module docs.
pub fn extract_parts(name: &str, bytes: &[u8], limits: &Limits) -> Extraction {
    extract_parts_until(name, bytes, limits, &Cancel::new())
}

/// [`extract_parts`], stopped (a time-budget problem, so `review`) once
/// `cancel` is set.
pub fn extract_parts_until(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    cancel: &Cancel,
) -> Extraction {
    let budget = Budget::until(limits, cancel.clone());
    let mut out = Extraction::default();
    let name = if name.is_empty() { "附件" } else { name };
    if bytes.len() as u64 > limits.max_total_bytes {
        out.problems.push(Problem {
            location: name.to_string(),
            error: AttachError::TooLarge {
                limit: limits.max_total_bytes,
            },
        });
        return out;
    }
    let outcome = guard_panic("attachment", || {
        read_file(name, name, bytes, 0, &budget, &mut out);
        Ok(())
    });
    if let Err(error) = outcome {
        out.problems.push(Problem {
            location: name.to_string(),
            error,
        });
    }
    out
}

/// Reads one file at `location` (`display` is its name, for the type) into
/// `out`; what cannot be read becomes a problem. After a fatal problem the
/// budget is [`Budget::stopped`] and callers read nothing more.
pub(super) fn read_file(
    location: &str,
    display: &str,
    bytes: &[u8],
    depth: usize,
    budget: &Budget,
    out: &mut Extraction,
) {
    if let Err(error) = budget.check_time() {
        budget.record(out, location.to_string(), error);
        return;
    }
    // A file's name is published with it (as the link text, in the
    // address): `机密★1年 关于某工程的请示.txt` must not pass as a name.
    let name = display.rsplit(['/', '\\']).next().unwrap_or(display).trim();
    if !name.is_empty() {
        if let Err(error) = budget.add_text(name.len()) {
            budget.record(out, location.to_string(), error);
            return;
        }
        out.parts.push(Part::new(
            format!("{location} › 文件名"),
            Format::Text,
            name.to_string(),
        ));
    }
    let result = match sniff(display, bytes) {
        Kind::Zip => archive::read_zip_family(location, bytes, depth, budget, out, read_file),
        Kind::Pdf => pdf::read_pdf(location, bytes, budget, out),
        Kind::Text => text::read_text(location, bytes, budget).map(|p| out.parts.push(p)),
        Kind::Csv => text::read_csv(location, bytes, budget).map(|p| out.parts.push(p)),
        Kind::Html => text::read_html(location, bytes, budget).map(|p| out.parts.push(p)),
        Kind::Ole => ole::read_ole(location, bytes, budget, out),
        Kind::Picture => picture::read_picture(location, bytes, budget, out),
        Kind::Rtf => rtf::read_rtf(location, bytes, budget, out),
        Kind::Unsupported(mime) => Err(AttachError::Unsupported { mime: mime.into() }),
    };
    if let Err(error) = result {
        budget.record(out, location.to_string(), error);
    }
}
