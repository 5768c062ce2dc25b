//! JSON pointers and `$ref` strings: every segment escaped (`~` → `~0`, `/` → `~1`), then
//! percent-encoded so the result is a valid URI fragment.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};

/// Characters percent-encoded in a URI fragment (RFC 3986 allows `pchar / "/" / "?"`).
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Escapes one JSON-pointer segment (RFC 6901): `~` → `~0`, then `/` → `~1`.
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The `$ref` string for a pointer into this document, e.g.
/// `pointer(&["channels", "a/b", "messages", "m"])` → `#/channels/a~1b/messages/m`.
///
/// ```
/// use mqttgen_asyncapi::refs::pointer;
/// assert_eq!(pointer(&["channels", "a/b~c d"]), "#/channels/a~1b~0c%20d");
/// ```
pub fn pointer(segments: &[&str]) -> String {
    let mut out = String::from("#");
    for segment in segments {
        out.push('/');
        out.extend(utf8_percent_encode(&escape_segment(segment), FRAGMENT));
    }
    out
}

/// A `{"$ref": ...}` object for [`pointer()`].
pub fn reference(segments: &[&str]) -> Value {
    json!({ "$ref": pointer(segments) })
}

/// Rewrites every `$ref` starting with `from` (e.g. `#/definitions/`) to start with `to`
/// (e.g. `#/components/schemas/`), renaming the referenced key with `rename`.
pub fn rewrite_refs(value: &mut Value, from: &str, to: &[&str], rename: &dyn Fn(&str) -> String) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(rest) = child.as_str().and_then(|r| r.strip_prefix(from)) {
                        let name = rename(&unescape_segment(rest));
                        let mut segments: Vec<&str> = to.to_vec();
                        segments.push(&name);
                        *child = Value::String(pointer(&segments));
                    }
                } else {
                    rewrite_refs(child, from, to, rename);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, from, to, rename);
            }
        }
        _ => {}
    }
}

/// Rewrites every `{"$ref": "#"}` (schemars' reference to the root of a recursive type) to
/// `target`.
pub fn rewrite_root_refs(value: &mut Value, target: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" && child == "#" {
                    *child = Value::String(target.to_owned());
                } else {
                    rewrite_root_refs(child, target);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_root_refs(item, target);
            }
        }
        _ => {}
    }
}

/// True if `value` contains `{"$ref": "#"}`.
pub fn has_root_ref(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| (k == "$ref" && v == "#") || has_root_ref(v)),
        Value::Array(items) => items.iter().any(has_root_ref),
        _ => false,
    }
}

/// Undoes [`pointer()`]'s escaping of one segment (percent-decoding, then `~1`, `~0`).
pub fn unescape_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .replace("~1", "/")
        .replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_order_is_tilde_first() {
        assert_eq!(escape_segment("~1"), "~01");
        assert_eq!(escape_segment("a/b"), "a~1b");
        assert_eq!(pointer(&["x", "~/"]), "#/x/~0~1");
        assert_eq!(unescape_segment("~01"), "~1");
        assert_eq!(pointer(&["ü", "a#b", "%"]), "#/%C3%BC/a%23b/%25");
        for s in ["a/b", "~1", "ü%#{x}", "plain"] {
            assert_eq!(unescape_segment(&pointer(&[s])[2..]), s);
        }
    }

    #[test]
    fn refs_are_rewritten_everywhere() {
        let mut v = json!({"properties": {"a": {"$ref": "#/definitions/A"},
            "b": {"items": [{"$ref": "#/definitions/B~1C"}]}, "c": {"$ref": "other.json"}}});
        rewrite_refs(&mut v, "#/definitions/", &["components", "schemas"], &|n| {
            n.replace('/', "_")
        });
        assert_eq!(v["properties"]["a"]["$ref"], "#/components/schemas/A");
        assert_eq!(
            v["properties"]["b"]["items"][0]["$ref"],
            "#/components/schemas/B_C"
        );
        assert_eq!(v["properties"]["c"]["$ref"], "other.json");
    }
}
