//! RFC 6901 JSON pointers and the URI fragments (`#/a~1b/c%20d`) that carry them in `$ref`s.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_escaped(&mut out, segment);
    out
}

/// Appends `segment` escaped (`~` → `~0`, `/` → `~1`) to `out`.
pub fn push_escaped(out: &mut String, segment: &str) {
    if !segment.bytes().any(|b| b == b'~' || b == b'/') {
        out.push_str(segment);
        return;
    }
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Unescapes one reference token: `~1` → `/`, `~0` → `~` (in that order, as RFC 6901 says).
pub fn unescape(token: &str) -> String {
    unescape_cow(token).into_owned()
}

/// [`unescape`] without copying tokens that hold no `~`.
fn unescape_cow(token: &str) -> Cow<'_, str> {
    if !token.as_bytes().contains(&b'~') {
        return Cow::Borrowed(token);
    }
    Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
}

/// Appends an unescaped segment to a pointer.
pub fn push(pointer: &str, segment: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    push_escaped(&mut out, segment);
    out
}

/// Splits a pointer (`/a/b~1c`) into unescaped segments (`["a", "b/c"]`); `None` when it does not
/// start with `/` (and is not empty).
pub fn segments(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(rest.split('/').map(unescape).collect())
}

/// [`segments`] as an iterator that copies only segments holding escapes.
pub fn tokens(pointer: &str) -> Option<Tokens<'_>> {
    if pointer.is_empty() {
        return Some(Tokens { rest: None });
    }
    pointer
        .strip_prefix('/')
        .map(|rest| Tokens { rest: Some(rest) })
}

/// The iterator of [`tokens`]: one pass over each segment's bytes (every `$ref` is resolved
/// through it, so it avoids the general string splitter).
pub struct Tokens<'a> {
    /// What follows the last `/` read; `None` after the last segment.
    rest: Option<&'a str>,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Cow<'a, str>;

    fn next(&mut self) -> Option<Cow<'a, str>> {
        let rest = self.rest?;
        let bytes = rest.as_bytes();
        let mut end = 0;
        let mut escaped = false;
        while let Some(&b) = bytes.get(end) {
            if b == b'/' {
                break;
            }
            escaped |= b == b'~';
            end += 1;
        }
        // `/` is ASCII, so both sides of it are character boundaries.
        let (token, next) = rest.split_at(end);
        self.rest = next.strip_prefix('/');
        Some(if escaped {
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        })
    }
}

/// Turns the fragment of a `$ref` (the part after `#`, percent-encoded) into a JSON pointer.
pub fn from_fragment(fragment: &str) -> Result<Cow<'_, str>, String> {
    let decoded = if fragment.as_bytes().contains(&b'%') {
        percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| format!("`#{fragment}` is not valid UTF-8 after percent-decoding"))?
    } else {
        Cow::Borrowed(fragment)
    };
    if !decoded.is_empty() && !decoded.starts_with('/') {
        return Err(format!(
            "`#{fragment}` is not a JSON pointer (it must start with `#/`)"
        ));
    }
    Ok(decoded)
}

/// The last segment of a pointer, unescaped (`""` for the root).
pub fn last_segment(pointer: &str) -> String {
    pointer.rsplit('/').next().map(unescape).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_unescapes_in_rfc_order() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        // `~01` is `~1` literally, not `/`.
        assert_eq!(unescape("~01"), "~1");
    }

    #[test]
    fn splits_pointer_into_segments() {
        assert_eq!(segments("").unwrap(), Vec::<String>::new());
        for p in ["", "/", "/a/b~1c/~0", "//x/", "/é/~1~0/a~", "/ab"] {
            let lazy: Vec<String> = tokens(p).unwrap().map(Cow::into_owned).collect();
            assert_eq!(lazy, segments(p).unwrap(), "{p}");
        }
        assert!(tokens("a/b").is_none());
        assert_eq!(segments("/a/b~1c/~0").unwrap(), vec!["a", "b/c", "~"]);
        assert!(segments("a/b").is_none());
    }

    #[test]
    fn fragments_are_percent_decoded_before_unescaping() {
        assert_eq!(from_fragment("/a%20b/c%25d").unwrap(), "/a b/c%d");
        assert_eq!(
            segments(&from_fragment("/x~1y%7E0").unwrap()).unwrap(),
            vec!["x/y~0".replace("~0", "~")]
        );
        assert!(from_fragment("foo").is_err());
        assert!(from_fragment("/%FF").is_err());
    }
}
