//! RFC 6901 JSON pointers and the URI fragments (`#/a~1b/c%20d`) that carry them in `$ref`s.

use percent_encoding::percent_decode_str;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(segment: &str) -> String {
    if !segment.contains(['~', '/']) {
        return segment.to_string();
    }
    segment.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one reference token: `~1` → `/`, `~0` → `~` (in that order, as RFC 6901 says).
pub fn unescape(token: &str) -> String {
    if !token.contains('~') {
        return token.to_string();
    }
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends an unescaped segment to a pointer.
pub fn push(pointer: &str, segment: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    out.push_str(&escape(segment));
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

/// Turns the fragment of a `$ref` (the part after `#`, percent-encoded) into a JSON pointer.
pub fn from_fragment(fragment: &str) -> Result<String, String> {
    let decoded = percent_decode_str(fragment)
        .decode_utf8()
        .map_err(|_| format!("`#{fragment}` is not valid UTF-8 after percent-decoding"))?;
    if !decoded.is_empty() && !decoded.starts_with('/') {
        return Err(format!(
            "`#{fragment}` is not a JSON pointer (it must start with `#/`)"
        ));
    }
    Ok(decoded.into_owned())
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
