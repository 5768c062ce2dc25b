//! Scalars on one line, as yaml-rust2's scanner reads them: plain (block or flow context), single-
//! and double-quoted. Every function gives `None` for anything it does not read exactly as the
//! scanner does (a scalar that goes on to the next line, an unknown escape, a character a plain
//! scalar may not start with); the caller then leaves the text to the full parser.

use std::borrow::Cow;

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    /// Unquoted: resolved with the core schema.
    Plain,
    /// `'...'` or `"..."`: always a string.
    Quoted,
}

/// A scalar read from the text.
pub(super) struct Scalar<'t> {
    /// Its content (escapes resolved).
    pub text: Cow<'t, str>,
    /// Plain or quoted.
    pub style: Style,
    /// Byte offset just after it (after the closing quote; after the last non-blank character of
    /// a plain scalar).
    pub end: usize,
}

/// Bytes that end a run of a plain scalar's characters in block context: a blank, or `:` when a
/// blank follows it.
static BLOCK_STOPS: [bool; 256] = stops(b" :");
/// The same in flow context, where the flow indicators end a plain scalar too.
static FLOW_STOPS: [bool; 256] = stops(b" :,[]{}");

const fn stops(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// True for `,[]{}`, the flow indicators.
#[inline]
pub(super) fn is_flow(byte: u8) -> bool {
    matches!(byte, b',' | b'[' | b']' | b'{' | b'}')
}

/// True when `byte` (`None`: the end of the line) is a blank or a line end.
#[inline]
pub(super) fn blank_or_end(byte: Option<u8>) -> bool {
    matches!(byte, None | Some(b' '))
}

/// The scalar at `at` in `line` (the text of one line without its line break, `at` relative to
/// it); `flow` when inside a flow collection.
pub(super) fn read(line: &str, at: usize, flow: bool) -> Option<Scalar<'_>> {
    match *line.as_bytes().get(at)? {
        b'\'' => single_quoted(line, at),
        b'"' => double_quoted(line, at),
        _ => plain(line, at, flow),
    }
}

/// A plain scalar starting at `at`: up to `: `, ` #`, the end of the line, and in flow context a
/// flow indicator or `:` before one. `None` when one cannot start here, or when in flow context it
/// would go on to the next line.
fn plain(line: &str, at: usize, flow: bool) -> Option<Scalar<'_>> {
    let bytes = line.as_bytes();
    let first = bytes[at];
    let next = bytes.get(at + 1).copied();
    match first {
        // Indicators: collections, comments, anchors, aliases, tags, block scalars, quotes,
        // directives and reserved characters.
        b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' => return None,
        // `? ` and `: ` are indicators; `?x` and `:x` are left to the full parser.
        b'?' | b':' => return None,
        b'-' if blank_or_end(next) || (flow && next.is_some_and(is_flow)) => return None,
        _ => {}
    }
    let stops = if flow { &FLOW_STOPS } else { &BLOCK_STOPS };
    let len = bytes.len();
    let mut i = at;
    let mut end = at;
    loop {
        // A run of non-blank characters: up to a blank, `:` before a blank (or in flow context
        // before a flow indicator), or in flow context a flow indicator.
        let run = i;
        loop {
            while i < len && !stops[usize::from(bytes[i])] {
                i += 1;
            }
            if i < len && bytes[i] == b':' {
                let after = bytes.get(i + 1).copied();
                if !(blank_or_end(after) || (flow && after.is_some_and(is_flow))) {
                    i += 1;
                    continue;
                }
            }
            break;
        }
        if i > run {
            end = i;
        }
        // Blanks, then what follows them.
        let blanks = i;
        while i < len && bytes[i] == b' ' {
            i += 1;
        }
        match bytes.get(i) {
            // Flow scalars may go on over lines: leave those to the full parser.
            None if flow => return None,
            None => break,
            // Stopped at an indicator, not at a blank.
            Some(_) if i == blanks => break,
            Some(b'#') => break,
            // `-` followed by a flow indicator starts no run in flow context (a scanner error).
            Some(b'-') if flow && bytes.get(i + 1).copied().is_some_and(is_flow) => return None,
            _ => {}
        }
    }
    Some(Scalar {
        text: Cow::Borrowed(&line[at..end]),
        style: Style::Plain,
        end,
    })
}

/// A single-quoted scalar that ends on its line (`''` is a quote).
fn single_quoted(line: &str, at: usize) -> Option<Scalar<'_>> {
    let bytes = line.as_bytes();
    let start = at + 1;
    let mut i = start;
    let mut owned: Option<String> = None;
    let mut copied = start;
    loop {
        let quote = start_of(bytes, i, b'\'')?;
        if bytes.get(quote + 1) == Some(&b'\'') {
            let text = owned.get_or_insert_with(String::new);
            text.push_str(&line[copied..=quote]);
            i = quote + 2;
            copied = i;
            continue;
        }
        return Some(quoted(line, owned, start, copied, quote));
    }
}

/// The quoted scalar whose content starts at `start` and whose closing quote is at `close`:
/// borrowed from the line when nothing was unescaped (`owned` is `None`), else the unescaped
/// text so far plus the line from `copied` up to the quote.
fn quoted(
    line: &str,
    owned: Option<String>,
    start: usize,
    copied: usize,
    close: usize,
) -> Scalar<'_> {
    let text = match owned {
        Some(mut text) => {
            text.push_str(&line[copied..close]);
            Cow::Owned(text)
        }
        None => Cow::Borrowed(&line[start..close]),
    };
    Scalar {
        text,
        style: Style::Quoted,
        end: close + 1,
    }
}

/// The first `byte` at or after `from`, if the line has one.
#[inline]
fn start_of(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == byte)
        .map(|i| from + i)
}

/// A double-quoted scalar that ends on its line, escapes resolved as yaml-rust2 does.
fn double_quoted(line: &str, at: usize) -> Option<Scalar<'_>> {
    let bytes = line.as_bytes();
    let start = at + 1;
    let mut i = start;
    let mut owned: Option<String> = None;
    let mut copied = start;
    loop {
        let special = bytes
            .get(i..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .map(|n| i + n)?;
        if bytes[special] == b'"' {
            return Some(quoted(line, owned, start, copied, special));
        }
        let text = owned.get_or_insert_with(String::new);
        text.push_str(&line[copied..special]);
        let (ch, len) = escape(&bytes[special + 1..])?;
        text.push(ch);
        i = special + 1 + len;
        copied = i;
    }
}

/// The character an escape stands for (`rest` follows the backslash) and the bytes it takes
/// after the backslash; `None` for an escaped line break (the scalar goes on) and anything
/// yaml-rust2 rejects.
fn escape(rest: &[u8]) -> Option<(char, usize)> {
    let simple = match *rest.first()? {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex(rest, 2),
        b'u' => return hex(rest, 4),
        b'U' => return hex(rest, 8),
        _ => return None,
    };
    Some((simple, 1))
}

/// `\xXX`, `\uXXXX`, `\UXXXXXXXX`: `digits` hex digits after the letter, a Unicode scalar value.
fn hex(rest: &[u8], digits: usize) -> Option<(char, usize)> {
    let code = rest.get(1..=digits)?;
    let mut value: u32 = 0;
    for &b in code {
        value = value * 16 + char::from(b).to_digit(16)?;
    }
    Some((char::from_u32(value)?, digits + 1))
}
