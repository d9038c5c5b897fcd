//! Offset maps: how a derived text (extracted or normalized) points back at
//! the text it was derived from.
//!
//! Contract: an [`OffsetMap`] has one [`MapEntry`] per char of the derived
//! text, in order. Each entry names the byte range of the source that produced
//! the char. Several derived chars may share a source range (a numeral run
//! `十二` becomes `12`), and a source range may produce no char at all
//! (a dropped tag or zero-width space). Every range lies on char boundaries of
//! the source, so every span mapped back can be sliced from the source.

use std::ops::Range;

/// One derived char and the source bytes it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapEntry {
    /// Byte offset of the char in the derived text.
    pub derived: u32,
    /// Byte range in the source text.
    pub src_start: u32,
    pub src_end: u32,
}

/// Maps byte ranges of a derived text back to byte ranges of its source.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    entries: Vec<MapEntry>,
}

impl OffsetMap {
    pub fn with_capacity(n: usize) -> Self {
        OffsetMap {
            entries: Vec::with_capacity(n),
        }
    }

    /// Records that the derived char at `derived` came from `src`.
    #[inline]
    pub fn push(&mut self, derived: usize, src: Range<usize>) {
        debug_assert!(self
            .entries
            .last()
            .is_none_or(|last| (last.derived as usize) < derived));
        self.entries.push(MapEntry {
            derived: derived as u32,
            src_start: src.start as u32,
            src_end: src.end as u32,
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The source byte range covering the derived byte range `range`.
    ///
    /// `range` must start and end on char boundaries of the derived text and
    /// must not be empty. Returns the union of the source ranges of the first
    /// and last derived chars in it.
    pub fn source_range(&self, range: Range<usize>) -> Range<usize> {
        let first = self.index_at(range.start);
        // The last derived char starting before range.end.
        let last = match self
            .entries
            .binary_search_by_key(&(range.end as u32), |e| e.derived)
        {
            Ok(i) | Err(i) => i.saturating_sub(1),
        };
        let last = last.max(first);
        let start = self.entries[first].src_start as usize;
        let end = self.entries[last].src_end as usize;
        start.min(end)..end.max(start)
    }

    /// The source byte offset at which the derived char at byte `pos` starts
    /// (or the end of the source if `pos` is past the last char).
    pub fn source_start(&self, pos: usize, source_len: usize) -> usize {
        match self
            .entries
            .binary_search_by_key(&(pos as u32), |e| e.derived)
        {
            Ok(i) => self.entries[i].src_start as usize,
            Err(i) if i < self.entries.len() => self.entries[i].src_start as usize,
            Err(_) => source_len,
        }
    }

    fn index_at(&self, pos: usize) -> usize {
        match self
            .entries
            .binary_search_by_key(&(pos as u32), |e| e.derived)
        {
            Ok(i) => i,
            Err(i) => i.min(self.entries.len().saturating_sub(1)),
        }
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
                for c in self.text[pos..target].chars() {
                    chars += 1;
                    utf16 += c.len_utf16();
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
        // Source "a&amp;b" -> derived "a&b".
        let mut map = OffsetMap::default();
        map.push(0, 0..1);
        map.push(1, 1..6);
        map.push(2, 6..7);
        for (derived, want) in [(0..1, 0..1), (1..2, 1..6), (0..3, 0..7), (2..3, 6..7)] {
            assert_eq!(map.source_range(derived.clone()), want, "derived {derived:?}");
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
