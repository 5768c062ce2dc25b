//! The export model read back from JSON: how generated code stores its `asyncapi()` document
//! (one string literal instead of a long chain of builder calls, which is far less for rustc).
//!
//! The JSON is the model's own shape, not an AsyncAPI document: see
//! [`Document::from_model_json`].

use super::model::Document;

impl Document {
    /// Reads a document written as the JSON form of this model (what `mqttgen` generated code
    /// embeds); this is **not** an AsyncAPI document (use the code generator for those).
    ///
    /// The JSON form mirrors the Rust structs:
    ///
    /// * keys are the field names (`default_content_type`, `payload_schema`...); a missing key
    ///   takes the field's default (of `Document::default()`, so without `default_content_type`
    ///   the document has none, unlike [`Document::new`]); an unknown key is an error;
    /// * [`Action`](super::Action) is `"send"` or `"receive"`, QoS is `0`, `1` or `2`,
    ///   [`SecurityKind`] is the AsyncAPI `type` (`"userPassword"`, `"X509"`, `"apiKey"`...),
    ///   [`ReplyAddress`](super::ReplyAddress) is `"response_topic"`, `{"topic": "..."}` or
    ///   `{"location": "..."}`, the version is `"3.0.0"` or `"3.1.0"`;
    /// * `schemas` is a list of `[name, schema]` pairs; schemas are JSON values; message examples
    ///   are objects with `name`, `summary`, `headers` and `payload`.
    ///
    /// ```
    /// use mqttgen_asyncapi::{Document, Info, MessageDoc, OperationDoc, QoS};
    /// let document = Document::from_model_json(r#"{
    ///   "info": {"title": "Thermostat", "version": "1.0.0"},
    ///   "default_content_type": "application/json",
    ///   "operations": [
    ///     {"id": "onReading", "action": "receive", "address": "devices/{id}/reading", "qos": 1,
    ///      "messages": [{"name": "Reading", "content_type": "application/json",
    ///                    "payload_schema": {"type": "number"}}]}
    ///   ]
    /// }"#)?;
    /// let built = Document::new(Info::new("Thermostat", "1.0.0")).operation(
    ///     OperationDoc::receive("onReading", "devices/{id}/reading")
    ///         .qos(QoS::AtLeastOnce)
    ///         .message(MessageDoc::new("Reading", serde_json::json!({"type": "number"}))),
    /// );
    /// assert_eq!(document, built);
    ///
    /// let error = Document::from_model_json(r#"{"operations": [{"action": "publish"}]}"#);
    /// assert!(error.unwrap_err().to_string().contains("unknown variant `publish`"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `json` is not JSON or does not have the model's shape; the error names the
    /// offending key or value and its line and column.
    pub fn from_model_json(json: &str) -> Result<Document, serde_json::Error> {
        serde_json::from_str(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QoS;
    use crate::SecurityKind;
    use crate::{
        ChannelDoc, Info, LastWillDoc, MessageDoc, MqttServerBinding, OperationDoc, ParameterDoc,
        ReplyAddress, ReplyDoc, SecuritySchemeDoc, Server,
    };
    use serde_json::json;

    #[test]
    fn every_part_of_the_model_reads_back_as_the_builder_makes_it() {
        let json = r##"{
"id": "urn:example:plant",
"info": {"title": "Plant", "version": "2.1.0", "description": "Lines"},
"default_content_type": "text/plain",
"security_schemes": [
{"name": "user", "kind": "userPassword", "description": "login"},
{"name": "key", "kind": "apiKey", "location": "user"}
],
"servers": [
{"name": "local", "host": "localhost:1883", "protocol": "mqtt", "protocol_version": "5", "pathname": "/mqtt", "description": "dev", "security": ["user"], "binding": {"client_id": "plant", "clean_session": true, "keep_alive": 30, "session_expiry_interval": 60, "maximum_packet_size": 1024, "last_will": {"topic": "plant/gone", "qos": 2, "message": "bye", "retain": true}}}
],
"schemas": [
["State", {"type": "object"}]
],
"channels": [
{"address": "plant/{line}/state", "id": "state", "title": "T", "summary": "S", "description": "D"}
],
"operations": [
{"id": "onState", "action": "receive", "address": "plant/{line}/state", "qos": 1, "retain": true, "message_expiry_interval": 5, "shared_group": "g", "summary": "s", "description": "d", "tags": ["a"], "parameters": [{"name": "line", "description": "the line", "enum_values": ["1", "2"], "examples": ["1"]}], "messages": [
{"name": "state", "title": "t", "summary": "s", "description": "d", "content_type": "application/json", "payload_schema": {"$ref": "#/components/schemas/State"}, "payload_name": "P", "headers_schema": {"type": "object"}, "headers_name": "H", "examples": [{"name": "one", "payload": {"a": 1}}], "correlation_id": "$message.header#/correlationData"}
], "reply": {"address": {"topic": "plant/replies"}, "messages": []}},
{"id": "ask", "action": "send", "address": "plant/ask", "reply": {"address": "response_topic"}},
{"id": "askThere", "action": "send", "address": "plant/ask2", "reply": {"address": {"location": "$message.header#/replyTo"}}}
]
}"##;
        let message = MessageDoc::new("state", json!({"$ref": "#/components/schemas/State"}))
            .title("t")
            .summary("s")
            .description("d")
            .payload_name("P")
            .headers_schema(json!({"type": "object"}), Some("H".into()))
            .example_doc(crate::ExampleDoc::payload(json!({"a": 1})).name("one"))
            .correlation_id(crate::Location::header("correlationData"));
        let mut expected = Document::new(Info::new("Plant", "2.1.0").description("Lines"))
            .security_scheme(
                SecuritySchemeDoc::new("user", SecurityKind::UserPassword).description("login"),
            )
            .security_scheme(SecuritySchemeDoc {
                location: Some("user".into()),
                ..SecuritySchemeDoc::new("key", SecurityKind::Other("apiKey".into()))
            })
            .server(
                Server {
                    pathname: Some("/mqtt".into()),
                    ..Server::new("local", "localhost:1883", "mqtt")
                }
                .protocol_version("5")
                .description("dev")
                .security("user")
                .binding(MqttServerBinding {
                    client_id: Some("plant".into()),
                    clean_session: Some(true),
                    keep_alive: Some(30),
                    session_expiry_interval: Some(60),
                    maximum_packet_size: Some(1024),
                    last_will: Some(LastWillDoc {
                        topic: "plant/gone".into(),
                        qos: QoS::ExactlyOnce,
                        message: Some("bye".into()),
                        retain: true,
                    }),
                }),
            )
            .schema("State", json!({"type": "object"}))
            .channel(
                ChannelDoc::new("plant/{line}/state")
                    .id("state")
                    .title("T")
                    .summary("S")
                    .description("D"),
            )
            .operation(
                OperationDoc::receive("onState", "plant/{line}/state")
                    .qos(QoS::AtLeastOnce)
                    .retain(true)
                    .message_expiry_interval(5)
                    .shared_group("g")
                    .summary("s")
                    .description("d")
                    .tag("a")
                    .parameter(
                        ParameterDoc::new("line")
                            .description("the line")
                            .enum_values(["1", "2"])
                            .example("1"),
                    )
                    .message(message)
                    .reply(ReplyDoc {
                        address: ReplyAddress::Topic("plant/replies".into()),
                        messages: Vec::new(),
                    }),
            )
            .operation(OperationDoc::send("ask", "plant/ask").reply(ReplyDoc::default()))
            .operation(
                OperationDoc::send("askThere", "plant/ask2").reply(ReplyDoc {
                    address: ReplyAddress::Location(crate::Location::header("replyTo")),
                    messages: Vec::new(),
                }),
            );
        expected.id = Some("urn:example:plant".into());
        expected.default_content_type = Some("text/plain".into());
        assert_eq!(Document::from_model_json(json).unwrap(), expected);
    }

    #[test]
    fn malformed_models_are_rejected_with_what_and_where() {
        for (json, expected) in [
            ("{", "EOF while parsing an object at line 1 column 1"),
            ("1", "invalid type: integer `1`, expected struct Document"),
            (
                r#"{"info": {"title": "T"}, "operation": []}"#,
                "unknown field `operation`, expected one of",
            ),
            (
                r#"{"operations": [{"action": "publish"}]}"#,
                "unknown variant `publish`, expected `receive` or `send` at line 1 column 36",
            ),
            (
                r#"{"operations": [{"qos": 3}]}"#,
                "invalid QoS 3, expected 0, 1 or 2",
            ),
            (
                r#"{"operations": [{"messages": [{"name": 1}]}]}"#,
                "invalid type: integer `1`, expected a string",
            ),
            (
                r#"{"security_schemes": [{"name": "s"}]}"#,
                "missing field `kind`",
            ),
            (
                r#"{"operations": [{"reply": {"address": "somewhere"}}]}"#,
                "unknown variant `somewhere`",
            ),
        ] {
            let error = Document::from_model_json(json).unwrap_err().to_string();
            assert!(error.contains(expected), "{json}: {error}");
        }
    }

    #[test]
    fn missing_keys_take_the_defaults_of_the_model() {
        assert_eq!(
            Document::from_model_json("{}").unwrap(),
            Document::default()
        );
        let op = r#"{"operations": [{"id": "a", "address": "x"}]}"#;
        let read = Document::from_model_json(op).unwrap();
        assert_eq!(read.operations, vec![OperationDoc::receive("a", "x")]);
        assert_eq!(read.operations[0].qos, QoS::AtMostOnce);
    }
}
