//! Where a request/reply message carries its correlation id or its reply address: the MQTT 5
//! property made for it, an MQTT 5 user property (an AsyncAPI header) or a field of a JSON
//! payload — the places an AsyncAPI `correlationId.location` or `reply.address.location` names.

use std::fmt;

/// Where a request or reply carries a value: its correlation id or its reply address.
///
/// Built from the AsyncAPI runtime expressions of `correlationId.location` and
/// `reply.address.location` with [`Location::parse`]:
///
/// ```
/// use mqttgen_address::Location;
/// assert_eq!(Location::parse("$message.header#/correlationId").unwrap(), Location::header("correlationId"));
/// assert_eq!(Location::parse("$message.payload#/requestId").unwrap(), Location::payload("/requestId"));
/// assert!(Location::parse("$message.header#/MQMD/CorrelId").is_err()); // user properties are flat
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Location {
    /// The MQTT 5 property made for it: Correlation Data for a correlation id, Response Topic for
    /// a reply address. Not carried under MQTT 3.1.1.
    #[default]
    Property,
    /// An MQTT 5 user property of this name (AsyncAPI `$message.header#/name`). Not carried under
    /// MQTT 3.1.1.
    Header(String),
    /// A field of a JSON object payload, as a JSON pointer (AsyncAPI `$message.payload#/requestId`
    /// is `/requestId`). Carried under both MQTT versions.
    Payload(String),
}

/// A runtime expression [`Location::parse`] cannot use, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationError {
    /// The expression as written.
    pub expression: String,
    /// Why it cannot be used.
    pub why: &'static str,
}

impl fmt::Display for LocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported message location `{}`: {}",
            self.expression, self.why
        )
    }
}

impl std::error::Error for LocationError {}

impl Location {
    /// An MQTT 5 user property named `name`.
    pub fn header(name: impl Into<String>) -> Location {
        Location::Header(name.into())
    }

    /// A JSON payload field at the JSON pointer `pointer` (e.g. `/requestId`).
    pub fn payload(pointer: impl Into<String>) -> Location {
        Location::Payload(pointer.into())
    }

    /// Parses an AsyncAPI runtime expression: `$message.header#/name` (one level: user
    /// properties are flat; `~1` and `~0` unescaped) or `$message.payload#/json/pointer`.
    pub fn parse(expression: &str) -> Result<Location, LocationError> {
        let invalid = |why: &'static str| LocationError {
            expression: expression.to_owned(),
            why,
        };
        if let Some(pointer) = expression.strip_prefix("$message.header#") {
            let name = pointer
                .strip_prefix('/')
                .filter(|name| !name.is_empty())
                .ok_or_else(|| invalid("name a header, e.g. `$message.header#/correlationId`"))?;
            if name.contains('/') {
                return Err(invalid(
                    "MQTT user properties are flat; a header location has one level",
                ));
            }
            return Ok(Location::Header(name.replace("~1", "/").replace("~0", "~")));
        }
        if let Some(pointer) = expression.strip_prefix("$message.payload#") {
            if pointer.len() < 2 || !pointer.starts_with('/') {
                return Err(invalid(
                    "name a payload field, e.g. `$message.payload#/requestId`",
                ));
            }
            return Ok(Location::Payload(pointer.to_owned()));
        }
        Err(invalid(
            "expected `$message.header#/name` or `$message.payload#/pointer`",
        ))
    }

    /// True when a message under this MQTT version can carry a value here: properties and
    /// headers need MQTT 5, payload fields do not.
    pub fn is_carried(&self, v5: bool) -> bool {
        v5 || matches!(self, Location::Payload(_))
    }

    /// The JSON pointer's unescaped tokens of a payload location (`/a~1b/c` → `a/b`, `c`);
    /// empty for the other locations.
    pub fn pointer_tokens(&self) -> Vec<String> {
        match self {
            Location::Payload(pointer) => pointer
                .split('/')
                .skip(1)
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Property => f.write_str("the MQTT 5 property"),
            Location::Header(name) => write!(f, "header (user property) `{name}`"),
            Location::Payload(pointer) => write!(f, "payload field `{pointer}`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_and_payload_expressions() {
        assert_eq!(
            Location::parse("$message.header#/a~1b").unwrap(),
            Location::header("a/b")
        );
        assert_eq!(
            Location::parse("$message.payload#/meta/id").unwrap(),
            Location::payload("/meta/id")
        );
        for bad in [
            "$message.header#",
            "$message.header#/",
            "$message.header#/a/b",
            "$message.payload#",
            "$message.payload#/",
            "$message.body#/x",
            "correlationId",
        ] {
            let error = Location::parse(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }
}
