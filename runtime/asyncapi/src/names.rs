//! Keys of the document (channel ids, operation ids, message and schema names): sanitising to
//! `[A-Za-z0-9._-]` and detecting two different things that end up with the same key.

use super::ExportError;
use std::collections::BTreeMap;

/// True for the characters AsyncAPI allows in component and channel keys.
pub fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Replaces every character outside `[A-Za-z0-9._-]` by `_`; an empty result becomes `_`.
///
/// ```
/// assert_eq!(mqttgen_asyncapi::names::sanitize("Wrapper<Reading>"), "Wrapper_Reading_");
/// ```
pub fn sanitize(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| if is_key_char(c) { c } else { '_' })
        .collect();
    if out.is_empty() {
        "_".to_owned()
    } else {
        out
    }
}

/// The channel id derived from an address (see [`mqttgen_address::channel_id`]).
pub use mqttgen_address::channel_id;

/// Remembers which key was given to which thing, so two different things never share a key.
///
/// `kind` says what the keys are ("channel id", "operation id", "schema name") for messages.
#[derive(Debug)]
pub struct KeyRegistry<T> {
    kind: &'static str,
    owners: BTreeMap<String, (String, T)>,
}

impl<T: PartialEq> KeyRegistry<T> {
    /// An empty registry for keys of `kind`.
    pub fn new(kind: &'static str) -> Self {
        KeyRegistry {
            kind,
            owners: BTreeMap::new(),
        }
    }

    /// Claims `key` for `value`, described by `origin` (e.g. `address devices/{id}`).
    ///
    /// Claiming a key again with an equal value is fine (returns `Ok(false)`: already there);
    /// with a different value it is an [`ExportError::Duplicate`] naming both origins.
    pub fn claim(&mut self, key: &str, origin: String, value: T) -> Result<bool, ExportError> {
        match self.owners.get(key) {
            Some((_, existing)) if *existing == value => Ok(false),
            Some((first, _)) => Err(ExportError::Duplicate {
                kind: self.kind,
                key: key.to_owned(),
                first: first.clone(),
                second: origin,
            }),
            None => {
                self.owners.insert(key.to_owned(), (origin, value));
                Ok(true)
            }
        }
    }

    /// The value that owns `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.owners.get(key).map(|(_, v)| v)
    }

    /// All keys with their values, sorted by key.
    pub fn into_sorted(self) -> Vec<(String, T)> {
        self.owners.into_iter().map(|(k, (_, v))| (k, v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitising_is_deterministic_and_restricted() {
        for address in ["a/{b}/c", "$SYS/broker/#", "ünï/cödé", "x?y#z", "", "/"] {
            let id = channel_id(address);
            assert_eq!(id, channel_id(address));
            assert!(id.chars().all(is_key_char), "{address} -> {id}");
        }
        assert_eq!(channel_id("$SYS/broker/load"), "_SYS.broker.load");
        assert_eq!(channel_id("x?y#z"), "x_y_z");
        assert_eq!(sanitize(""), "_");
    }

    #[test]
    fn collisions_name_both_origins() {
        let mut reg = KeyRegistry::new("channel id");
        assert!(reg
            .claim(&channel_id("a/{b}"), "address `a/{b}`".into(), "a/{b}")
            .unwrap());
        assert!(!reg
            .claim(&channel_id("a/{b}"), "address `a/{b}`".into(), "a/{b}")
            .unwrap());
        let err = reg
            .claim(&channel_id("a/b"), "address `a/b`".into(), "a/b")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a/{b}") && err.contains("a/b") && err.contains("a.b"),
            "{err}"
        );
    }
}
