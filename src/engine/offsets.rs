//! Offset maps: how a derived text (extracted or normalized) points back at
//! the text it was derived from.
//!
//! Contract: an [`OffsetMap`] covers every char of the derived text, in
//! order. Each derived char came from a byte range of the source. Several
//! derived chars may share a source range (a numeral run `十二` becomes `12`),
//! and a source range may produce no char at all (a dropped tag or
//! zero-width space). Every range lies on char boundaries of the source, so
//! every span mapped back can be sliced from the source.
//!
//! Representation: runs where the derived bytes are a verbatim copy of the
//! source bytes (most of any real text) are stored as one segment, so the
//! map costs a few bytes per *changed* char rather than 12 bytes per char.

use std::ops::Range;

/// A run of the derived text and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// Byte offset in the derived text where the run starts.
    derived: u32,
    /// Byte range in the source.
    src_start: u32,
    src_end: u32,
    /// The run is a verbatim copy: derived byte `derived + k` is source byte
    /// `src_start + k`. Otherwise the run is one derived char.
    verbatim: bool,
}

/// Maps byte ranges of a derived text back to byte ranges of its source.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    segments: Vec<Segment>,
}

impl OffsetMap {
    pub fn with_capacity(n: usize) -> Self {
        OffsetMap {
            segments: Vec::with_capacity(n),
        }
    }

    /// Records that the derived char at `derived` came from `src`, changed.
    #[inline]
    pub fn push(&mut self, derived: usize, src: Range<usize>) {
        self.segments.push(Segment {
            derived: derived as u32,
            src_start: src.start as u32,
            src_end: src.end as u32,
            verbatim: false,
        });
    }

    /// Records that the derived bytes at `derived` are a verbatim copy of
    /// `src`; extends the previous verbatim run when they continue it.
    #[inline]
    pub fn push_verbatim(&mut self, derived: usize, src: Range<usize>) {
        if let Some(last) = self.segments.last_mut() {
            if last.verbatim
                && last.src_end as usize == src.start
                && (last.derived + (last.src_end - last.src_start)) as usize == derived
            {
                last.src_end = src.end as u32;
                return;
            }
        }
        self.segments.push(Segment {
            derived: derived as u32,
            src_start: src.start as u32,
            src_end: src.end as u32,
            verbatim: true,
        });
    }

    /// Appends `other`, a map of text that follows at derived offset
    /// `shift` (its source ranges are kept as they are).
    pub fn append(&mut self, other: OffsetMap, shift: usize) {
        self.segments
            .extend(other.segments.into_iter().map(|mut s| {
                s.derived += shift as u32;
                s
            }));
    }

    /// Number of stored segments (a measure of how much the text changed).
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Index of the segment holding derived byte `pos`.
    fn segment_at(&self, pos: usize) -> usize {
        self.segments
            .partition_point(|s| s.derived as usize <= pos)
            .saturating_sub(1)
    }

    /// The source byte range covering the derived byte range `range`.
    ///
    /// `range` must start and end on char boundaries of the derived text and
    /// must not be empty.
    pub fn source_range(&self, range: Range<usize>) -> Range<usize> {
        if self.segments.is_empty() {
            return 0..0;
        }
        let first = &self.segments[self.segment_at(range.start)];
        let start = if first.verbatim {
            first.src_start as usize + (range.start - first.derived as usize)
        } else {
            first.src_start as usize
        };
        let last = &self.segments[self.segment_at(range.end.max(range.start + 1) - 1)];
        let end = if last.verbatim {
            (last.src_start as usize + (range.end - last.derived as usize))
                .min(last.src_end as usize)
        } else {
            last.src_end as usize
        };
        start.min(end)..end.max(start)
    }

    /// The first derived byte offset whose char comes from source byte `src`
    /// or later (`text` is the derived text, for char lengths). The map's
    /// source ranges must not go backwards (true of normalization).
    pub fn derived_at_or_after(&self, src: usize, text: &str) -> usize {
        let i = self
            .segments
            .partition_point(|s| (s.src_end as usize) <= src);
        let Some(seg) = self.segments.get(i) else {
            return text.len();
        };
        let (d0, s0) = (seg.derived as usize, seg.src_start as usize);
        if src <= s0 {
            d0
        } else if seg.verbatim {
            d0 + (src - s0)
        } else {
            // Inside the source of one changed char: the next char.
            d0 + text[d0..].chars().next().map_or(0, char::len_utf8)
        }
    }

    /// The source byte offset at which the derived char at byte `pos` starts
    /// (or `source_len` if `pos` is past the last char).
    pub fn source_start(&self, pos: usize, source_len: usize) -> usize {
        let Some(last) = self.segments.last() else {
            return source_len;
        };
        let derived_end = last.derived as usize
            + if last.verbatim {
                (last.src_end - last.src_start) as usize
            } else {
                1
            };
        if pos >= derived_end {
            return source_len;
        }
        self.source_range(pos..pos + 1).start
    }
}

/// 1-based line numbers of byte offsets, by binary search over the newline
/// positions (built once per text; counting newlines per lookup was
/// quadratic on documents with many findings).
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
        }
    }

    /// The line holding byte `byte` (a newline belongs to the line it ends).
    pub fn line_of(&self, byte: usize) -> usize {
        self.newlines.partition_point(|&nl| nl < byte) + 1
    }
}

/// Converts byte offsets of `text` to char (Unicode scalar) and UTF-16 offsets.
///
/// Built once per document; lookups are a binary search over the offsets
/// asked for, so converting every finding of a document is one pass.
pub struct OffsetConverter<'a> {
    text: &'a str,
}

impl<'a> OffsetConverter<'a> {
    pub fn new(text: &'a str) -> Self {
        OffsetConverter { text }
    }

    /// Converts many byte offsets at once. Returns `(chars, utf16)` per offset.
    pub fn convert(&self, byte_offsets: &[usize]) -> Vec<(usize, usize)> {
        let mut order: Vec<usize> = (0..byte_offsets.len()).collect();
        order.sort_by_key(|&i| byte_offsets[i]);
        let mut out = vec![(0, 0); byte_offsets.len()];
        let (mut chars, mut utf16, mut pos) = (0usize, 0usize, 0usize);
        let bytes = self.text.as_bytes();
        for i in order {
            let target = byte_offsets[i].min(bytes.len());
            if target > pos {
                // By bytes: each char has one non-continuation byte, and
                // 4-byte chars (lead byte >= 0xF0) are 2 UTF-16 units.
                for &b in &bytes[pos..target] {
                    let starts = usize::from((b & 0xC0) != 0x80);
                    chars += starts;
                    utf16 += starts + usize::from(b >= 0xF0);
                }
                pos = target;
            }
            out[i] = (chars, utf16);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ranges_through_shared_and_dropped_sources() {
        // Source "ab&amp;cd" -> derived "ab&cd".
        let mut map = OffsetMap::default();
        map.push_verbatim(0, 0..1);
        map.push_verbatim(1, 1..2);
        map.push(2, 2..7);
        map.push_verbatim(3, 7..8);
        map.push_verbatim(4, 8..9);
        assert_eq!(map.len(), 3, "verbatim runs merge");
        for (derived, want) in [
            (0..1, 0..1),
            (1..2, 1..2),
            (2..3, 2..7),
            (0..5, 0..9),
            (3..4, 7..8),
            (1..4, 1..8),
        ] {
            assert_eq!(
                map.source_range(derived.clone()),
                want,
                "derived {derived:?}"
            );
        }
    }

    #[test]
    fn converts_bytes_to_chars_and_utf16_with_astral_chars() {
        let text = "😀机密";
        let conv = OffsetConverter::new(text);
        let got = conv.convert(&[4, 0, 7, 10]);
        assert_eq!(got, vec![(1, 2), (0, 0), (2, 3), (3, 4)]);
    }
}
