//! What the model does not keep but the comparison reports: `externalDocs`, read from the files.
//!
//! The comparison asks for the `externalDocs` of a few places per operation, channel and message,
//! so each is looked up where it is asked for: the pointer is followed through the located tree
//! (large mappings such as `channels` keep a key index, so each step is a hash lookup) and only an
//! `externalDocs` that exists is turned into JSON. Nothing walks the whole document.

use serde_json::Value as Json;

use crate::model::NodeId;
use crate::spec::SourceMap;

/// The `externalDocs` of the object at `node` in `sources`, if it has one.
pub fn external_docs(sources: &SourceMap, node: &NodeId) -> Option<Json> {
    Some(sources.get(node)?.get("externalDocs")?.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_str;

    #[test]
    fn found_where_asked_and_only_there() {
        let loaded = load_str(
            "asyncapi: 3.0.0\ninfo:\n  title: t\n  version: '1'\n  externalDocs: {url: 'https://a.example'}\nchannels:\n  c:\n    address: a/b\n    externalDocs:\n      url: 'https://c.example'\n",
            "raw-docs-test.yaml",
        );
        let at = |pointer: &str| NodeId {
            file: 0,
            pointer: pointer.into(),
        };
        let url = |pointer: &str| {
            external_docs(&loaded.sources, &at(pointer)).map(|d| d["url"].to_string())
        };
        assert_eq!(url("/info").as_deref(), Some("\"https://a.example\""));
        assert_eq!(url("/channels/c").as_deref(), Some("\"https://c.example\""));
        assert_eq!(url(""), None);
        assert_eq!(url("/channels"), None);
        assert_eq!(url("/channels/missing"), None);
    }
}
