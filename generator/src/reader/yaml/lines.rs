//! Finding line ends quickly: the fast path and the parts' cutter look at every line of large
//! documents, and most lines are short, where a general `memchr` spends more on setting up than
//! on searching.

/// Where the first `\n` at or after `from` is: eight bytes at a time.
pub(crate) fn find_newline(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut offset = from;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().ok()?) ^ NEWLINES;
        // A zero byte in `x` is a newline in the word.
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(offset + (zeros.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| offset + i)
}

/// The lines of `text[from..]`, each with its `\n` (the last one without, when the text does not
/// end with one).
pub(crate) fn lines_from(text: &str, from: usize) -> impl Iterator<Item = &str> {
    let mut start = from;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = find_newline(text.as_bytes(), start).map_or(text.len(), |i| i + 1);
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_are_found_in_words_and_in_the_tail() {
        let text = "0123456789abcdef\nxy\n\nlast";
        let bytes = text.as_bytes();
        assert_eq!(find_newline(bytes, 0), Some(16));
        assert_eq!(find_newline(bytes, 17), Some(19));
        assert_eq!(find_newline(bytes, 20), Some(20));
        assert_eq!(find_newline(bytes, 21), None);
        for from in 0..bytes.len() {
            assert_eq!(
                find_newline(bytes, from),
                bytes[from..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map(|i| from + i),
                "from {from}"
            );
        }
        let split: Vec<&str> = text.split_inclusive('\n').collect();
        assert_eq!(lines_from(text, 0).collect::<Vec<_>>(), split);
        assert_eq!(lines_from("a\n", 0).collect::<Vec<_>>(), ["a\n"]);
        assert_eq!(lines_from("", 0).count(), 0);
    }
}
