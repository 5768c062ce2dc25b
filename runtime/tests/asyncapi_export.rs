//! The AsyncAPI builder: channel ids, refs, parameters, duplicates, stability, versions.

mod asyncapi_fixtures;

use mqttgen::asyncapi::*;
use serde_json::json;

fn number() -> MessageDoc {
    MessageDoc::new("Number", json!({"type": "number"}))
}

fn doc(ops: Vec<OperationDoc>) -> Document {
    ops.into_iter()
        .fold(Document::new(Info::new("T", "1.0.0")), Document::operation)
}

fn err(d: &Document) -> String {
    d.to_yaml().expect_err("export must fail").to_string()
}

#[test]
fn channel_ids_are_sanitised_and_refs_point_into_channels() {
    let d = doc(vec![
        OperationDoc::receive("a", "$SYS/broker/{client id}/load").message(number()),
        OperationDoc::receive("b", "ünï/+/x y").message(number()),
    ]);
    let v = d.to_value().unwrap();
    let channels = v["channels"].as_object().unwrap();
    let ids: Vec<&String> = channels.keys().collect();
    assert_eq!(ids, ["_SYS.broker.client_id.load", "_n_._.x_y"]);
    assert_eq!(
        channels["_SYS.broker.client_id.load"]["address"],
        "$SYS/broker/{client id}/load"
    );
    assert_eq!(
        v["operations"]["a"]["messages"][0]["$ref"],
        "#/channels/_SYS.broker.client_id.load/messages/Number"
    );
    assert_eq!(
        v["operations"]["b"]["channel"]["$ref"],
        "#/channels/_n_._.x_y"
    );
}

#[test]
fn channel_id_collisions_fail_naming_both_addresses() {
    let d = doc(vec![
        OperationDoc::receive("a", "a/{b}").message(number()),
        OperationDoc::receive("b", "a/b").message(number()),
    ]);
    let e = err(&d);
    assert!(e.contains("duplicate channel id `a.b`"), "{e}");
    assert!(e.contains("`a/{b}`") && e.contains("`a/b`"), "{e}");
    // An explicit id resolves it.
    let d = d.channel(ChannelDoc::new("a/b").id("a.b.literal"));
    assert!(d.to_yaml().is_ok());
}

#[test]
fn same_address_shares_one_channel() {
    let d = doc(vec![
        OperationDoc::send("pub", "x/{id}").message(number()),
        OperationDoc::receive("sub", "x/{id}").message(number()),
    ]);
    let v = d.to_value().unwrap();
    assert_eq!(v["channels"].as_object().unwrap().len(), 1);
}

#[test]
fn parameters_match_the_address_exactly() {
    let d = doc(vec![OperationDoc::receive("a", "s/{site}/{device}/t")
        .parameter(ParameterDoc::new("device").description("Device id"))
        .message(number())]);
    let v = d.to_value().unwrap();
    let params = &v["channels"]["s.site.device.t"]["parameters"];
    let names: Vec<&String> = params.as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        ["site", "device"],
        "address order, every {{}} present"
    );
    assert_eq!(params["device"]["description"], "Device id");
    assert_eq!(params["site"], json!({}));

    let d = doc(vec![OperationDoc::receive("a", "s/{site}")
        .parameter(ParameterDoc::new("device"))
        .message(number())]);
    let e = err(&d);
    assert!(
        e.contains("parameter `device` is not a `{device}` level of address `s/{site}`"),
        "{e}"
    );

    let d = doc(vec![OperationDoc::receive("a", "s")]);
    assert!(d.to_value().unwrap()["channels"]["s"]
        .get("parameters")
        .is_none());
}

#[test]
fn unexportable_addresses_are_errors() {
    for (address, needle) in [
        ("jobs/#", "`#`"),
        ("$share/g/jobs", "$share/"),
        ("a?b", "`?`"),
        // A level mixing text and a parameter (`a/{b}c`) is exported, as spec-first does.
        ("a/{b", "not a valid topic template"),
    ] {
        let e = err(&doc(vec![OperationDoc::receive("op", address)]));
        assert!(
            e.contains("operation `op`") && e.contains(needle),
            "{address}: {e}"
        );
    }
}

#[test]
fn duplicate_operation_ids_fail_loudly() {
    let d = doc(vec![
        OperationDoc::receive("same", "a").message(number()),
        OperationDoc::send("same", "b").message(number()),
    ]);
    let e = err(&d);
    assert!(e.contains("duplicate operation id `same`"), "{e}");
    assert!(
        e.contains("operation #1") && e.contains("operation #2"),
        "{e}"
    );
}

#[test]
fn different_schemas_with_one_name_fail_loudly() {
    let mut first = MessageDoc::new("M", json!({"type": "object", "title": "Thing"}));
    first.payload_name = Some("Thing".into());
    let mut second = MessageDoc::new("M2", json!({"type": "string", "title": "Thing"}));
    second.payload_name = Some("Thing".into());
    let e = err(&doc(vec![
        OperationDoc::receive("a", "a").message(first.clone()),
        OperationDoc::receive("b", "b").message(second),
    ]));
    assert!(e.contains("duplicate schema name `Thing`"), "{e}");
    assert!(
        e.contains("operation `a`") && e.contains("operation `b`"),
        "{e}"
    );
    // The same schema twice is shared, not an error.
    let ok = doc(vec![
        OperationDoc::receive("a", "a").message(first.clone()),
        OperationDoc::receive("b", "b").message(first),
    ]);
    assert_eq!(
        ok.to_value().unwrap()["components"]["schemas"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn different_nested_definitions_with_one_name_fail_loudly() {
    let with_def = |ty: &str| {
        MessageDoc::new(
            "M",
            json!({"type": "object", "properties": {"x": {"$ref": "#/definitions/Inner"}},
                   "definitions": {"Inner": {"type": ty}}}),
        )
    };
    let e = err(&doc(vec![
        OperationDoc::receive("a", "a").message(with_def("string")),
        OperationDoc::receive("b", "b").message(with_def("number")),
    ]));
    assert!(e.contains("duplicate schema name `Inner`"), "{e}");
}

#[test]
fn different_messages_with_one_name_in_a_channel_fail_loudly() {
    let e = err(&doc(vec![
        OperationDoc::send("a", "x").message(number()),
        OperationDoc::receive("b", "x")
            .message(MessageDoc::new("Number", json!({"type": "string"}))),
    ]));
    assert!(
        e.contains("duplicate message name `Number` in channel `x`"),
        "{e}"
    );
}

#[test]
fn definitions_move_to_components_with_rewritten_refs() {
    let v = asyncapi_fixtures::macro_service()
        .document()
        .unwrap()
        .to_value()
        .unwrap();
    let schemas = v["components"]["schemas"].as_object().unwrap();
    let names: Vec<&String> = schemas.keys().collect();
    assert_eq!(
        names,
        ["Floor", "Location", "Pong", "Reading", "TraceHeaders"],
        "sorted"
    );
    let text = serde_json::to_string(&v).unwrap();
    assert!(!text.contains("#/definitions/"), "{text}");
    assert!(!text.contains("\"definitions\""), "{text}");
    assert!(!text.contains("$schema"), "{text}");
    assert_eq!(
        schemas["Reading"]["properties"]["location"]["anyOf"][0]["$ref"],
        "#/components/schemas/Location"
    );
}

#[test]
fn refs_escape_tilde_slash_then_percent() {
    assert_eq!(refs::pointer(&["a~b/c", "d e"]), "#/a~0b~1c/d%20e");
    assert_eq!(refs::escape_segment("~/"), "~0~1");
}

#[test]
fn servers_reference_security_schemes() {
    let v = asyncapi_fixtures::hand_built().to_value().unwrap();
    let edge = &v["servers"]["edge"];
    assert_eq!(edge["protocol"], "wss");
    assert_eq!(edge["protocolVersion"], "3.1.1");
    assert_eq!(edge["pathname"], "/mqtt");
    assert_eq!(
        edge["security"],
        json!([{"$ref": "#/components/securitySchemes/userPassword"},
               {"$ref": "#/components/securitySchemes/X509"}])
    );
    assert_eq!(edge["bindings"]["mqtt"]["bindingVersion"], "0.2.0");
    assert_eq!(edge["bindings"]["mqtt"]["clientId"], "c1");
    assert!(
        !serde_json::to_string(&v).unwrap().contains("pw"),
        "no secrets"
    );

    let d = Document::new(Info::new("T", "1"))
        .server(Server::new("s", "h:1", "mqtt").security("missing"));
    let e = err(&d);
    assert!(
        e.contains("server `s` requires security scheme `missing`"),
        "{e}"
    );
}

#[test]
fn operation_bindings_and_extensions() {
    let v = asyncapi_fixtures::macro_service()
        .document()
        .unwrap()
        .to_value()
        .unwrap();
    let op = &v["operations"]["on_temperature"];
    assert_eq!(
        op["bindings"]["mqtt"],
        json!({"qos": 1, "retain": false, "bindingVersion": "0.2.0"})
    );
    assert_eq!(op["x-mqtt-shared-group"], "workers");
    assert_eq!(op["summary"], "Receives temperatures.");
    assert_eq!(
        op["description"],
        "Longer description: readings arrive every minute."
    );
    let announce = &v["operations"]["announce"];
    assert_eq!(announce["action"], "send");
    assert_eq!(announce["bindings"]["mqtt"]["retain"], true);
    let ping = &v["operations"]["on_ping"];
    assert_eq!(
        ping["reply"]["address"]["location"],
        "$message.header#/responseTopic"
    );
    assert_eq!(ping["reply"]["channel"]["$ref"], "#/channels/on_ping.reply");
    assert_eq!(
        v["channels"]["on_ping.reply"]["address"],
        serde_json::Value::Null
    );
    // A primitive payload is inlined and the message named after the operation.
    assert_eq!(
        v["channels"]["ping.client"]["messages"]["on_ping.payload"]["payload"],
        json!({"type": "string"})
    );
    let headers = &v["channels"]["sensors.sensor_id.temperature"]["messages"]["Reading"]["headers"];
    assert_eq!(headers["$ref"], "#/components/schemas/TraceHeaders");
}

#[test]
fn output_is_byte_stable() {
    for (name, d) in asyncapi_fixtures::all_documents() {
        assert_eq!(d.to_yaml().unwrap(), d.clone().to_yaml().unwrap(), "{name}");
        assert_eq!(d.to_json().unwrap(), d.to_json().unwrap(), "{name}");
    }
    let a = asyncapi_fixtures::macro_service()
        .document()
        .unwrap()
        .to_yaml()
        .unwrap();
    let b = asyncapi_fixtures::macro_service()
        .document()
        .unwrap()
        .to_yaml()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn version_310_on_request() {
    let d = asyncapi_fixtures::hand_built();
    assert!(d.to_yaml().unwrap().starts_with("asyncapi: \"3.0.0\"\n"));
    let d = d.asyncapi_version(AsyncApiVersion::V3_1_0);
    assert!(d.to_yaml().unwrap().starts_with("asyncapi: \"3.1.0\"\n"));
    assert!(d
        .to_json()
        .unwrap()
        .starts_with("{\n  \"asyncapi\": \"3.1.0\""));
}

#[test]
fn yaml_quotes_strings_that_look_like_other_types() {
    let d = Document::new(Info::new("true", "1.0"))
        .operation(OperationDoc::receive("op", "null/true/1.5").message(number()));
    let yaml = d.to_yaml().unwrap();
    assert!(yaml.contains("title: \"true\""), "{yaml}");
    assert!(yaml.contains("version: \"1.0\""), "{yaml}");
    let back: serde_json::Value = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(back, d.to_value().unwrap());
}

#[test]
fn wrong_endpoint_kind_is_reported() {
    let e = Service::new("T", "1")
        .handler::<asyncapi_fixtures::announce>()
        .document()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`announce` is a send operation but was added with Service::handler"),
        "{e}"
    );
}

#[test]
fn assert_matches_file_compares_values_and_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asyncapi.yaml");
    let d = asyncapi_fixtures::hand_built();
    let missing = check_file(&d, &path).unwrap_err();
    assert!(missing.contains("MQTTGEN_UPDATE=1"), "{missing}");
    // Same content, other formatting and key order: equal.
    let reordered = {
        let v = d.to_value().unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().iter().collect();
        keys.reverse();
        serde_json::to_string(
            &keys
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<_, _>>(),
        )
        .unwrap()
    };
    std::fs::write(&path, reordered).unwrap();
    check_file(&d, &path).unwrap();
    let changed = d
        .clone()
        .operation(OperationDoc::receive("extra", "extra/{id}"));
    let report = check_file(&changed, &path).unwrap_err();
    assert!(
        report.contains("/operations/extra: file has (absent)"),
        "{report}"
    );
    assert!(
        report.contains("/channels/extra.id: file has (absent)"),
        "{report}"
    );
    let json_path = dir.path().join("asyncapi.json");
    std::fs::write(&json_path, changed.to_json().unwrap()).unwrap();
    assert_matches_file(&changed, &json_path);
}

// These types only exist for their schemas.
#[allow(dead_code)]
mod first {
    /// A reading in Celsius.
    #[derive(schemars::JsonSchema)]
    pub struct Reading {
        pub celsius: f64,
    }
}

#[allow(dead_code)]
mod second {
    /// A reading as text.
    #[derive(schemars::JsonSchema)]
    pub struct Reading {
        pub text: String,
    }
}

#[test]
fn two_rust_types_with_one_name_fail_instead_of_overwriting() {
    let e = err(&doc(vec![
        OperationDoc::receive("celsius", "a").message(MessageDoc::json_named::<first::Reading>()),
        OperationDoc::receive("text", "b").message(MessageDoc::json_named::<second::Reading>()),
    ]));
    assert!(e.contains("duplicate schema name `Reading`"), "{e}");
    assert!(
        e.contains("operation `celsius`") && e.contains("operation `text`"),
        "{e}"
    );
    assert!(e.contains("#[schemars(rename"), "{e}");
}

/// A recursive payload.
#[allow(dead_code)]
#[derive(schemars::JsonSchema)]
pub struct Tree {
    pub children: Vec<Tree>,
    pub parent: Option<Box<Tree>>,
}

#[test]
fn recursive_payloads_refer_to_their_component() {
    let d = doc(vec![
        OperationDoc::receive("t", "t").message(MessageDoc::json_named::<Tree>())
    ]);
    let v = d.to_value().unwrap();
    let tree = &v["components"]["schemas"]["Tree"];
    assert_eq!(
        tree["properties"]["children"]["items"]["$ref"],
        "#/components/schemas/Tree"
    );
    assert!(!serde_json::to_string(&v).unwrap().contains("\"#\""));
    let mut inline = MessageDoc::json_named::<Tree>();
    inline.payload_name = None;
    let e = err(&doc(vec![OperationDoc::receive("t", "t").message(inline)]));
    assert!(e.contains("refers to its own root"), "{e}");
}

#[test]
fn channel_metadata_must_match_a_used_address() {
    let d = doc(vec![OperationDoc::receive("a", "a/{id}").message(number())])
        .channel(ChannelDoc::new("a/{idd}").description("typo"));
    let e = err(&d);
    assert!(
        e.contains("channel metadata for address `a/{idd}` matches no operation"),
        "{e}"
    );
    let d = doc(vec![OperationDoc::receive("a", "a").message(number())])
        .channel(ChannelDoc::new("a").id("x"))
        .channel(ChannelDoc::new("a").id("y"));
    let e = err(&d);
    assert!(
        e.contains("duplicate channel metadata for address `a`"),
        "{e}"
    );
}

#[test]
fn conflicting_parameter_descriptions_fail_loudly() {
    let described = |op: &str, text: &str| {
        OperationDoc::receive(op, "d/{id}")
            .parameter(ParameterDoc::new("id").description(text))
            .message(number())
    };
    let e = err(&doc(vec![
        described("a", "Device"),
        described("b", "Sensor"),
    ]));
    assert!(
        e.contains("duplicate parameter description `id` of channel `d.id`"),
        "{e}"
    );
    assert!(
        e.contains("operation `a`") && e.contains("operation `b`"),
        "{e}"
    );
    // Equal descriptions, or one side silent, are fine.
    let ok = doc(vec![
        described("a", "Device"),
        described("b", "Device"),
        OperationDoc::send("c", "d/{id}").message(number()),
    ]);
    let v = ok.to_value().unwrap();
    assert_eq!(
        v["channels"]["d.id"]["parameters"]["id"]["description"],
        "Device"
    );
}

#[test]
fn generated_style_documents_use_named_schemas_and_runtime_expressions() {
    let v = asyncapi_fixtures::generated_style().to_value().unwrap();
    let schemas = v["components"]["schemas"].as_object().unwrap();
    assert_eq!(
        schemas.keys().collect::<Vec<_>>(),
        ["lightMeasuredPayload", "sentAt"]
    );
    let op = &v["operations"]["receiveLightMeasurement"];
    assert_eq!(
        op["reply"]["address"]["location"],
        "$message.header#/replyTo"
    );
    assert_eq!(
        op["reply"]["channel"]["$ref"],
        "#/channels/receiveLightMeasurement.reply"
    );
    let message = &v["channels"]["lightingMeasured"]["messages"]["lightMeasured"];
    assert_eq!(
        message["correlationId"]["location"],
        "$message.header#/correlationId"
    );
    assert_eq!(
        message["payload"]["$ref"],
        "#/components/schemas/lightMeasuredPayload"
    );
    assert_eq!(
        v["components"]["securitySchemes"]["apiKey"],
        json!({"type": "apiKey", "description": "API key as the MQTT user name", "in": "user"})
    );
    let bad = Document::new(Info::new("T", "1")).schema("a/b", json!({}));
    assert!(err(&bad).contains("schema name `a/b` may only contain"));
    let clash = asyncapi_fixtures::generated_style().schema("sentAt", json!({"type": "number"}));
    assert!(err(&clash).contains("duplicate schema name `sentAt`"));
}

#[test]
fn title_and_version_are_required() {
    let e = err(&Document::new(Info::new(" ", "1.0.0")));
    assert!(e.contains("`info.title` is required"), "{e}");
    let e = err(&Document::new(Info::new("T", "")));
    assert!(e.contains("`info.version` is required"), "{e}");
}
