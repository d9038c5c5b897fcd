//! Byte searches the readers share.

pub(super) fn find(hay: &[u8], needle: &[u8]) -> bool {
    find_from(hay, needle, 0).is_some()
}

/// The first position of `needle` in `hay` at or after `from`.
pub(super) fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let next = hay[i..hay.len() + 1 - needle.len()]
            .iter()
            .position(|b| *b == first)?;
        i += next;
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_from_finds_the_first_match_at_or_after() {
        for (hay, needle, from, want) in [
            (&b"endstream stream"[..], &b"stream"[..], 0, Some(3)),
            (b"endstream stream", b"stream", 4, Some(10)),
            (b"sstream", b"stream", 0, Some(1)),
            (b"strea", b"stream", 0, None),
            (b"abc", b"", 0, None),
        ] {
            assert_eq!(find_from(hay, needle, from), want, "{hay:?} {from}");
        }
    }
}
