//! What can make a document impossible to export.

/// A document that cannot be exported: every variant names where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Two different things would get the same key; nothing is overwritten.
    #[error(
        "duplicate {kind} `{key}`: used by {first} and by {second}; rename one of them{}",
        rename_hint(kind)
    )]
    Duplicate {
        /// What the key is: `channel id`, `operation id`, `schema name`, `message name`...
        kind: &'static str,
        /// The key both would get.
        key: String,
        /// The first owner.
        first: String,
        /// The second owner.
        second: String,
    },
    /// An operation's address cannot be written as an AsyncAPI channel address.
    #[error("operation `{operation}`: address `{address}` {reason}")]
    InvalidAddress {
        /// Operation id.
        operation: String,
        /// The offending address.
        address: String,
        /// Why it cannot be exported and what to do instead.
        reason: String,
    },
    /// A declared parameter does not occur in the address.
    #[error("operation `{operation}`: parameter `{name}` is not a `{{{name}}}` level of address `{address}`")]
    UnknownParameter {
        /// Operation id.
        operation: String,
        /// Parameter name.
        name: String,
        /// The address.
        address: String,
    },
    /// Channel metadata names an address no operation uses (a typo?).
    #[error(
        "channel metadata for address `{address}` matches no operation's address or reply address"
    )]
    UnusedChannel {
        /// The address of the [`ChannelDoc`](super::ChannelDoc).
        address: String,
    },
    /// A server requires a security scheme the document does not define.
    #[error("server `{server}` requires security scheme `{scheme}`, which is not defined; add it with Document::security_scheme")]
    UnknownSecurityScheme {
        /// Server name.
        server: String,
        /// The missing scheme.
        scheme: String,
    },
    /// An endpoint was added with the wrong method (a publisher as a handler or vice versa).
    #[error("`{operation}` is a {actual} operation but was added with Service::{method}")]
    WrongAction {
        /// Operation id.
        operation: String,
        /// `receive` or `send`.
        actual: &'static str,
        /// The method used.
        method: &'static str,
    },
    /// A required field is empty.
    #[error("`{field}` is required and empty")]
    Missing {
        /// The field, e.g. `info.title`.
        field: &'static str,
    },
    /// A name that must already be a valid key (it is referenced verbatim) is not.
    #[error("{kind} `{name}` may only contain A-Z, a-z, 0-9, `.`, `_` and `-`")]
    InvalidName {
        /// What the name is.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A schema cannot be placed in the document.
    #[error("schema of {origin}: {reason}")]
    InvalidSchema {
        /// Which message (and operation) the schema belongs to.
        origin: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// Serialising to YAML or JSON failed.
    #[error("could not serialise the document: {0}")]
    Serialize(String),
}

fn rename_hint(kind: &str) -> &'static str {
    if kind == "schema name" {
        " (for a Rust type: `#[schemars(rename = \"OtherName\")]`)"
    } else {
        ""
    }
}
