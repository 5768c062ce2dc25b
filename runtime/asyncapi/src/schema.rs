//! JSON Schemas of payloads and headers from [`schemars::JsonSchema`] types (draft-07 settings).

use super::model::MessageDoc;
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;

/// The draft-07 root schema of `T`, without `$schema`; named sub-schemas under `definitions`.
pub fn schema_for<T: JsonSchema + ?Sized>() -> Value {
    let mut settings = SchemaSettings::draft07();
    settings.meta_schema = None;
    settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The name `T`'s schema gets in `components/schemas`, or `None` when schemars inlines it
/// (primitives, `Vec<_>`, `Option<_>`...).
pub fn schema_name<T: JsonSchema + ?Sized>() -> Option<String> {
    (!T::inline_schema()).then(|| T::schema_name().into_owned())
}

/// `T`'s schema; inlined schemas lose schemars' `title` (`"string"`, `"Array_of_uint8"`), which
/// names the Rust type rather than the message.
fn named_or_untitled<T: JsonSchema + ?Sized>() -> Value {
    let mut schema = schema_for::<T>();
    if T::inline_schema() {
        if let Some(map) = schema.as_object_mut() {
            map.remove("title");
        }
    }
    schema
}

impl MessageDoc {
    /// A JSON message called `name` whose payload is `T`.
    ///
    /// ```
    /// #[derive(schemars::JsonSchema)]
    /// struct Reading { celsius: f64 }
    /// let m = mqttgen_asyncapi::MessageDoc::json::<Reading>("Reading");
    /// assert_eq!(m.payload_name.as_deref(), Some("Reading"));
    /// assert_eq!(m.content_type, "application/json");
    /// ```
    pub fn json<T: JsonSchema + ?Sized>(name: impl Into<String>) -> MessageDoc {
        MessageDoc {
            payload_name: schema_name::<T>(),
            ..MessageDoc::new(name, named_or_untitled::<T>())
        }
    }

    /// A JSON message named after `T`'s schema name (e.g. `Reading`).
    pub fn json_named<T: JsonSchema + ?Sized>() -> MessageDoc {
        MessageDoc::json::<T>(T::schema_name().into_owned())
    }

    /// Declares the MQTT 5 user properties of the message with `H`'s schema.
    pub fn headers<H: JsonSchema + ?Sized>(mut self) -> Self {
        self.headers_schema = Some(named_or_untitled::<H>());
        self.headers_name = schema_name::<H>();
        self
    }
}

impl MessageDoc {
    /// A JSON message named after `T`'s schema name, or `fallback` when `T`'s schema is
    /// inlined (primitives, `Vec<_>`...). Used by the attribute macros.
    pub fn json_or_named<T: JsonSchema + ?Sized>(fallback: &str) -> MessageDoc {
        let name = schema_name::<T>().unwrap_or_else(|| fallback.to_owned());
        MessageDoc::json::<T>(name)
    }
}
