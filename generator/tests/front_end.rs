//! Behaviour of the spec front end through its public API (`load_str` / `load_file`).

use mqttgen_codegen::spec::model::{Action, Level, NodeId, Qos};
use mqttgen_codegen::spec::{load_file, load_file_with, load_str, LoadOptions, Loaded};

fn codes(loaded: &Loaded) -> Vec<&'static str> {
    loaded.diagnostics.iter().map(|d| d.code).collect()
}

fn load_ok(text: &str) -> Loaded {
    let loaded = load_str(text, "test.yaml");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    loaded
}

const V2: &str = r#"
asyncapi: 2.6.0
info: {title: T, version: '1'}
defaultContentType: application/json
channels:
  lights/{id}/on:
    parameters:
      id: {$ref: '#/components/parameters/id'}
    publish:
      operationId: turnOn
      traits: [{$ref: '#/components/operationTraits/qos1'}]
      message: {$ref: '#/components/messages/TurnOn'}
    subscribe:
      message:
        payload: {type: string, enum: [on, off]}
components:
  parameters:
    id: {schema: {type: integer}}
  operationTraits:
    qos1:
      description: from trait
      bindings: {mqtt: {qos: 1, retain: true}}
  messageTraits:
    common:
      contentType: text/plain
      summary: trait summary
      headers: {type: object, properties: {a: {type: integer}}}
  messages:
    TurnOn:
      summary: own summary
      traits: [{$ref: '#/components/messageTraits/common'}]
      payload: {$ref: '#/components/schemas/Command'}
  schemas:
    Command:
      type: object
      properties:
        child: {$ref: '#/components/schemas/Command'}
    Unused: {type: string}
"#;

#[test]
fn v2_publish_is_receive_and_subscribe_is_send() {
    let loaded = load_ok(V2);
    let doc = loaded.document.unwrap();
    assert_eq!(doc.operations.len(), 2);
    assert_eq!(doc.operations[0].id, "turnOn");
    assert_eq!(doc.operations[0].action, Some(Action::Receive));
    assert_eq!(doc.operations[1].id, "lights/{id}/on.subscribe");
    assert_eq!(doc.operations[1].action, Some(Action::Send));
    let channel = &doc.channels[0];
    assert_eq!(channel.id, "lights/{id}/on");
    assert_eq!(
        channel.address.as_ref().unwrap().levels,
        vec![
            Level::Literal("lights".into()),
            Level::Parameter("id".into()),
            Level::Literal("on".into())
        ]
    );
    assert_eq!(
        channel.parameters[0].schema,
        Some(serde_json::json!({"type": "integer"}))
    );
    assert_eq!(channel.messages.len(), 2);
}

#[test]
fn v2_traits_are_defaults_and_the_object_wins() {
    let doc = load_ok(V2).document.unwrap();
    let op = &doc.operations[0];
    assert_eq!(op.description.as_deref(), Some("from trait"));
    let mqtt = op.mqtt.as_ref().unwrap();
    assert_eq!(
        (mqtt.qos, mqtt.retain),
        (Some(Qos::AtLeastOnce), Some(true))
    );
    let message = &doc.messages[0];
    assert_eq!(message.name, "TurnOn");
    assert_eq!(message.summary.as_deref(), Some("own summary"));
    assert_eq!(message.content_type.as_deref(), Some("text/plain"));
    assert!(message.headers.is_some());
    // The anonymous message gets a derived, stable name and the default content type.
    let anonymous = &doc.messages[1];
    assert_eq!(anonymous.name, "lights/{id}/on subscribe 0");
    assert_eq!(anonymous.content_type.as_deref(), Some("application/json"));
    // YAML 1.2: `on` / `off` stay strings.
    assert_eq!(
        anonymous.payload.as_ref().unwrap().schema,
        serde_json::json!({"type": "string", "enum": ["on", "off"]})
    );
}

#[test]
fn payload_refs_stay_refs_and_recursive_schemas_terminate() {
    let doc = load_ok(V2).document.unwrap();
    let payload = doc.messages[0].payload.as_ref().unwrap();
    assert_eq!(
        payload.schema,
        serde_json::json!({"$ref": "0#/components/schemas/Command"})
    );
    assert_eq!(payload.node.pointer, "/components/schemas/Command");
    assert!(payload.is_json_schema);
    let id = NodeId::parse("0#/components/schemas/Command").unwrap();
    let command = &doc.schemas[&id];
    assert_eq!(command.name_hint, "Command");
    assert_eq!(
        command.value["properties"]["child"],
        serde_json::json!({"$ref": "0#/components/schemas/Command"})
    );
    assert!(doc
        .schemas
        .contains_key(&NodeId::parse("0#/components/schemas/Unused").unwrap()));
}

const V3: &str = r#"
asyncapi: 3.0.0
info: {title: T, version: '1', tags: [{name: iot}]}
servers:
  prod:
    host: '{host}:1883'
    protocol: mqtt
    variables: {host: {default: localhost}}
    bindings:
      mqtt: {clientId: c1, cleanSession: false, keepAlive: 60, bindingVersion: 0.2.0,
             lastWill: {topic: bye, qos: 2, message: gone, retain: false},
             sessionExpiryInterval: 120, maximumPacketSize: 1024}
channels:
  ping:
    address: ping/{id}
    parameters: {id: {enum: [a, b], default: a}}
    messages:
      ping: {$ref: '#/components/messages/Ping'}
  pong:
    address: null
    messages:
      pong: {payload: {type: string}, correlationId: {location: '$message.header#/id'}}
operations:
  sendPing:
    action: send
    channel: {$ref: '#/channels/ping'}
    messages: [{$ref: '#/channels/ping/messages/ping'}]
    traits: [{bindings: {mqtt: {qos: 1, retain: true}}, summary: trait}]
    summary: own
    bindings: {mqtt: {retain: false}}
    reply:
      address: {location: '$message.header#/replyTo'}
      channel: {$ref: '#/channels/pong'}
components:
  messages:
    Ping:
      payload:
        schemaFormat: application/vnd.apache.avro;version=1.9.0
        schema: {type: record, name: Ping, fields: []}
      bindings:
        mqtt: {payloadFormatIndicator: 1, contentType: application/json,
               correlationData: {type: string}, responseTopic: reply/here}
"#;

#[test]
fn v3_model_with_reply_bindings_and_merge_patch_traits() {
    let doc = load_ok(V3).document.unwrap();
    assert_eq!(doc.tags[0].name, "iot");
    let server = &doc.servers[0];
    assert_eq!(server.host, "{host}:1883");
    let mqtt = server.mqtt.as_ref().unwrap();
    assert_eq!(mqtt.client_id.as_deref(), Some("c1"));
    assert_eq!(mqtt.clean_session, Some(false));
    assert_eq!(mqtt.keep_alive, Some(60));
    assert_eq!(mqtt.session_expiry_interval, Some(120));
    assert_eq!(mqtt.maximum_packet_size, Some(1024));
    let will = mqtt.last_will.as_ref().unwrap();
    assert_eq!(
        (will.topic.as_deref(), will.qos),
        (Some("bye"), Some(Qos::ExactlyOnce))
    );
    let op = &doc.operations[0];
    assert_eq!(op.action, Some(Action::Send));
    assert_eq!(op.summary.as_deref(), Some("own"));
    let binding = op.mqtt.as_ref().unwrap();
    // JSON merge patch: qos from the trait, retain from the object.
    assert_eq!(
        (binding.qos, binding.retain),
        (Some(Qos::AtLeastOnce), Some(false))
    );
    let reply = op.reply.as_ref().unwrap();
    assert_eq!(reply.channel, Some(1));
    assert_eq!(
        reply.address_location.as_deref(),
        Some("$message.header#/replyTo")
    );
    assert_eq!(reply.messages.len(), 1);
    assert!(doc.channels[1].address.is_none());
    let ping = &doc.messages[op.messages[0]];
    assert_eq!(ping.name, "Ping");
    let payload = ping.payload.as_ref().unwrap();
    assert!(!payload.is_json_schema);
    assert_eq!(payload.schema["type"], "record");
    let mb = ping.mqtt.as_ref().unwrap();
    assert_eq!(mb.payload_format_indicator, Some(1));
    assert_eq!(mb.response_topic, Some(serde_json::json!("reply/here")));
    let param = &doc.channels[0].parameters[0];
    assert_eq!(
        param.allowed,
        vec![serde_json::json!("a"), serde_json::json!("b")]
    );
    assert_eq!(
        doc.messages[reply.messages[0]].correlation_id.as_deref(),
        Some("$message.header#/id")
    );
}

#[test]
fn misplaced_and_string_qos_are_warnings_that_say_where_it_belongs() {
    let text = r#"
asyncapi: 2.3.0
info: {title: T, version: '1'}
channels:
  a:
    publish:
      bindings: {mqtt: {qos: '1', clientId: x}}
      message:
        payload: {type: string}
        bindings: {mqtt: {qos: 1, retain: false}}
"#;
    let loaded = load_str(text, "t.yaml");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let doc = loaded.document.as_ref().unwrap();
    assert_eq!(
        doc.operations[0].mqtt.as_ref().unwrap().qos,
        Some(Qos::AtLeastOnce)
    );
    let misplaced: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "binding-misplaced")
        .collect();
    assert_eq!(misplaced.len(), 3, "{}", loaded.render());
    let qos_on_message = misplaced
        .iter()
        .find(|d| {
            d.node
                .as_ref()
                .unwrap()
                .pointer
                .ends_with("message/bindings/mqtt/qos")
        })
        .unwrap();
    assert!(qos_on_message.message.contains("operation binding"));
    let client_id = misplaced
        .iter()
        .find(|d| d.message.contains("clientId"))
        .unwrap();
    assert!(client_id.message.contains("server binding"));
    let string_qos = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == "binding-type")
        .unwrap();
    assert!(string_qos.message.contains("integer 1"));
    assert_eq!(string_qos.location.as_ref().unwrap().line, 7);
}

#[test]
fn unknown_binding_version_is_a_warning_and_the_binding_is_ignored() {
    // 2.x: the official schema leaves binding versions open, and the official parser skips a
    // binding of a version it does not know; so do we (3.x schemas reject it: schema-enum).
    let text = "asyncapi: 2.6.0\ninfo: {title: T, version: '1'}\nservers:\n  s: {url: h, protocol: mqtt, bindings: {mqtt: {clientId: c1, bindingVersion: 9.9.9}}}\nchannels: {}\n";
    let loaded = load_str(text, "t.yaml");
    assert_eq!(codes(&loaded), ["binding-version"]);
    assert!(!loaded.has_errors(), "{}", loaded.render());
    assert!(loaded.diagnostics[0].message.contains("ignored"));
    assert_eq!(loaded.diagnostics[0].location.as_ref().unwrap().line, 4);
    let doc = loaded.document.as_ref().unwrap();
    assert!(doc.servers[0].mqtt.is_none(), "the binding is ignored");
    let text = text.replace("9.9.9", "0.2.0");
    let loaded = load_str(&text, "t.yaml");
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.render());
    let mqtt = loaded.document.as_ref().unwrap().servers[0].mqtt.clone();
    assert_eq!(mqtt.unwrap().client_id.as_deref(), Some("c1"));
}

#[test]
fn parameter_checks_and_wildcards() {
    let text = r#"
asyncapi: 3.1.0
info: {title: T, version: '1'}
channels:
  c:
    address: 'site/{site}/+/dev-{dev}/#'
    parameters:
      site: {}
      extra: {}
"#;
    let loaded = load_str(text, "t.yaml");
    let found = codes(&loaded);
    assert!(found.contains(&"param-undeclared"));
    assert!(found.contains(&"param-unused"));
    let unused = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == "param-unused")
        .unwrap();
    assert!(unused.is_error());
    assert_eq!(
        unused.node.as_ref().unwrap().pointer,
        "/channels/c/parameters/extra"
    );
    let doc = loaded.document.unwrap();
    let channel = &doc.channels[0];
    assert_eq!(
        channel.address.as_ref().unwrap().levels[2],
        Level::AnySingle
    );
    assert_eq!(channel.address.as_ref().unwrap().levels[4], Level::AnyMulti);
    assert_eq!(channel.parameters.len(), 2);
    assert!(channel.parameters[0].declared);
    assert!(!channel.parameters[1].declared);
}

#[test]
fn duplicate_operation_ids_and_undeclared_server_variables() {
    let text = r#"
asyncapi: 2.6.0
info: {title: T, version: '1'}
servers:
  s: {url: 'mqtt://{hostname}:{port}', protocol: mqtt, variables: {port: {default: '1883'}}}
channels:
  a: {publish: {operationId: same, message: {payload: {type: string}}}}
  b: {subscribe: {operationId: same, message: {payload: {type: string}}}}
"#;
    let loaded = load_str(text, "t.yaml");
    let found = codes(&loaded);
    assert!(found.contains(&"operation-id-duplicate"), "{found:?}");
    assert!(found.contains(&"server-variable-undeclared"));
    assert!(loaded.diagnostics.iter().all(|d| d.location.is_some()));
}

#[test]
fn external_refs_relative_transitive_and_each_file_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    let common = dir.path().join("common");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::create_dir_all(&common).unwrap();
    std::fs::write(
        api.join("asyncapi.yaml"),
        r#"
asyncapi: 3.0.0
info: {title: T, version: '1'}
channels:
  a:
    address: a
    messages:
      m: {$ref: '../common/messages.yaml#/Hello'}
      n: {$ref: '../common/messages.yaml#/Bye'}
"#,
    )
    .unwrap();
    std::fs::write(
        common.join("messages.yaml"),
        "Hello:\n  payload: {$ref: 'schemas.json#/Greeting'}\nBye:\n  payload: {$ref: './schemas.json#/Greeting'}\n",
    )
    .unwrap();
    std::fs::write(
        common.join("schemas.json"),
        r##"{"Greeting": {"type": "object", "properties": {"next": {"$ref": "#/Greeting"}}}}"##,
    )
    .unwrap();
    // `../common` is outside the spec's folder: the default ref root refuses it, a root widened
    // to the parent folder reads it.
    let entry = api.join("asyncapi.yaml");
    let narrow = load_file(&entry);
    assert!(
        codes(&narrow).contains(&"ref-outside-root"),
        "{}",
        narrow.render()
    );
    let loaded = load_file_with(&entry, &LoadOptions::with_ref_root(dir.path()));
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let doc = loaded.document.unwrap();
    assert_eq!(doc.files.len(), 3, "{:?}", doc.files);
    assert!(doc.files[0].ends_with("api/asyncapi.yaml"));
    assert_eq!(doc.messages[0].name, "Hello");
    assert_eq!(doc.messages[1].name, "Bye");
    let payload = &doc.messages[0].payload.as_ref().unwrap().schema;
    assert_eq!(payload, &serde_json::json!({"$ref": "2#/Greeting"}));
    let greeting = &doc.schemas[&NodeId::parse("2#/Greeting").unwrap()];
    assert_eq!(greeting.name_hint, "Greeting");
    assert_eq!(greeting.value["properties"]["next"]["$ref"], "2#/Greeting");
}

#[test]
fn escaped_refs_resolve() {
    let text = r#"
asyncapi: 3.0.0
info: {title: T, version: '1'}
channels:
  a/b:
    address: a/b
    messages:
      'm~1': {payload: {$ref: '#/components/schemas/with%20space'}}
operations:
  op:
    action: receive
    channel: {$ref: '#/channels/a~1b'}
    messages: [{$ref: '#/channels/a~1b/messages/m~01'}]
components:
  schemas:
    with space: {type: string}
"#;
    let loaded = load_ok(text);
    let doc = loaded.document.unwrap();
    assert_eq!(doc.operations[0].channel, 0);
    assert_eq!(doc.operations[0].messages, vec![0]);
    assert_eq!(
        doc.messages[0].payload.as_ref().unwrap().schema["$ref"],
        "0#/components/schemas/with space"
    );
}

#[test]
fn render_has_location_pointer_and_snippet_and_json_has_fields() {
    let loaded = load_str("asyncapi: 2.6.0\ninfo: {title: T, version: '1'}\nchannels:\n  a:\n    publish:\n      message: {$ref: '#/nope'}\n", "t.yaml");
    assert!(loaded.has_errors());
    let text = loaded.render();
    assert!(text.contains("t.yaml:6:"), "{text}");
    assert!(text.contains("ref-unresolved"), "{text}");
    assert!(text.contains("message: {$ref: '#/nope'}"), "{text}");
    // The plain renderer (no miette) marks the place under the offending line.
    let marked = text
        .lines()
        .skip_while(|l| !l.contains("message: {$ref"))
        .nth(1);
    assert!(marked.is_some_and(|l| l.contains('^')), "{text}");
    let json = loaded.to_json();
    let first = &json[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 6);
    assert_eq!(first["pointer"], "/channels/a/publish/message/$ref");
}

#[test]
fn unsupported_versions_and_non_mappings_are_errors() {
    assert_eq!(
        codes(&load_str(
            "asyncapi: 1.2.0\ninfo: {title: T, version: '1'}\n",
            "t"
        )),
        ["version-unsupported"]
    );
    assert_eq!(
        codes(&load_str("\"just a string\"", "t")),
        ["not-a-mapping"]
    );
    assert_eq!(codes(&load_str("", "t")), ["yaml-empty"]);
    let dup = load_str(
        "asyncapi: 3.0.0\nasyncapi: 3.0.0\ninfo: {title: T, version: '1'}\n",
        "t",
    );
    assert_eq!(codes(&dup), ["yaml-duplicate-key"]);
    assert!(dup.document.is_some());
}

#[test]
fn json_with_surrogate_pair_escapes_and_tabs_loads() {
    // Python's json.dumps writes emoji as `\ud83d\ude00`, which YAML does not accept.
    let text = "{\n\t\"asyncapi\": \"3.0.0\",\n\t\"info\": {\"title\": \"Lights \\ud83d\\udca1\", \"version\": \"1\"},\n\t\"channels\": {\"a\": {\"address\": \"a\", \"messages\": {\"m\": {\"payload\": {\"$ref\": \"#/components/schemas/P\"}}}}},\n\t\"components\": {\"schemas\": {\"P\": {\"type\": \"string\"}}}\n}";
    let loaded = load_ok(text);
    let doc = loaded.document.unwrap();
    assert_eq!(doc.info.title, "Lights 💡");
    assert_eq!(
        doc.messages[0].payload.as_ref().unwrap().schema["$ref"],
        "0#/components/schemas/P"
    );
    let bad = load_str(
        "{\"asyncapi\": \"3.0.0\",\n \"info\": {\"title\": \"T\"}},\n",
        "bad.json",
    );
    let d = &bad.diagnostics[0];
    assert!(d.is_error());
    assert_eq!(d.location.as_ref().unwrap().line, 2);
}

#[test]
fn loaded_documents_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Loaded>();
}
