//! The generated `asyncapi()` function: the spec's contract rebuilt from the model as a
//! [`mqttgen_asyncapi::Document`] (the document model the runtime re-exports as
//! `mqttgen::asyncapi`), so a generated service can publish the AsyncAPI document it implements
//! (`mqttgen export`, docs, CI checks).
//!
//! What is kept: info, `id`, `defaultContentType`, servers (host and pathname as written, with
//! their variables: defaults, enums, descriptions, examples) with MQTT server bindings, security
//! schemes, channels (ids, addresses, descriptions), operations (ids, actions as seen by the
//! application, summaries, QoS/retain, tags, parameters with description/enum/default/examples,
//! messages, replies) and messages (names, content types, payload and headers schemas,
//! correlation ids, examples with their names and summaries). Every schema that the spec refers
//! to becomes a named component schema, so `$ref`s stay `$ref`s.
//!
//! Bindings say what the generated code does, nothing more: an operation's `qos` is its
//! binding's, else the QoS the code uses without one (1 for the subscription of a receive
//! operation, 0 for a publish); `retain` is the binding's, else `false` (publishers do not
//! retain by default).
//!
//! What the export model cannot hold is listed in the generated function's documentation
//! ("Not exported"): e.g. OAuth/OpenID security schemes, parameter locations, operations on
//! addresses the exporter rejects (`#`, mixed levels, `address: null`).
//! Channels no operation uses are not exported either (the export model is operation-driven).
//!
//! The document describes the spec's application (its actions), in both roles: a client crate
//! exports the contract it talks to, not a mirrored one.
//!
//! Using it from a generated crate (`streetlights_app` here):
//!
//! ```text
//! // src/bin/asyncapi.rs: `mqttgen export` runs this binary
//! fn main() -> std::process::ExitCode {
//!     mqttgen::asyncapi::cli_main(streetlights_app::asyncapi())
//! }
//!
//! // a test keeping a committed copy in sync (MQTTGEN_UPDATE=1 rewrites it)
//! #[test]
//! fn asyncapi_is_up_to_date() {
//!     mqttgen::asyncapi::assert_matches_file(&streetlights_app::asyncapi(), "asyncapi.yaml");
//! }
//! ```

mod document;
mod formats;
mod layout;
mod operations;
mod schemas;

use mqttgen_asyncapi as export;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::model::{Document, Qos};
use schemas::SchemaNames;

/// Emits `pub fn asyncapi() -> ::mqttgen::asyncapi::Document` for `doc`.
///
/// The document is built as a typed [`mqttgen_asyncapi::Document`] ([`export_document`]) and
/// embedded as its `serde` JSON form in one string literal, which the runtime reads back with
/// `Document::from_model_json` into the very same type: one list item or message per line.
/// Data is much less work for syn, prettyplease and rustc than a chain of builder calls.
///
/// Pure and deterministic: the same model gives the same tokens. The generated code needs
/// only `mqttgen`.
pub fn generate_asyncapi_fn(doc: &Document) -> TokenStream {
    let (export, left_out) = export_document(doc);
    let Ok(Value::Object(model)) = serde_json::to_value(&export) else {
        unreachable!("the export model serialises to a JSON object")
    };
    let model = layout::raw_string(&layout::model_text(&model));
    let docs = function_docs(doc, &left_out);
    let document = crate::rt::asyncapi_document();
    quote! {
        #(#[doc = #docs])*
        pub fn asyncapi() -> #document {
            #document::from_model_json(#model)
                .expect("mqttgen-codegen wrote an export model the runtime cannot read: a bug in mqttgen-codegen")
        }
    }
}

/// The document the generated `asyncapi()` returns for `doc`, and what it leaves out (each a
/// sentence for the function's documentation).
pub fn export_document(doc: &Document) -> (export::Document, Vec<String>) {
    let mut ex = Export {
        doc,
        schemas: SchemaNames::new(doc),
        left_out: Vec::new(),
    };
    let (security_schemes, exported_schemes) = document::security_schemes(&mut ex);
    let servers = document::servers(&ex, &exported_schemes);
    let schemas = document::schemas(&ex);
    let (channels, operations) = operations::channels_and_operations(&mut ex);
    let export = export::Document {
        security_schemes,
        servers,
        schemas,
        channels,
        operations,
        ..document::head(doc)
    };
    (export, ex.left_out)
}

/// The state of one export: the model, schema names, what was left out.
struct Export<'d> {
    doc: &'d Document,
    schemas: SchemaNames,
    left_out: Vec<String>,
}

fn function_docs(doc: &Document, left_out: &[String]) -> Vec<String> {
    let title = doc.info.title.replace('\n', " ");
    let mut lines = vec![
        format!(" The AsyncAPI document of {title}, rebuilt from the spec this code was generated from."),
        String::new(),
        " Serialise it with `to_yaml()` / `to_json()`, or compare it with a committed file with"
            .to_owned(),
        " `::mqttgen::asyncapi::assert_matches_file`. It describes the spec's application (its"
            .to_owned(),
        " send/receive actions) whichever role this code was generated for.".to_owned(),
    ];
    let mut left_out = left_out.to_vec();
    left_out.sort();
    left_out.dedup();
    if !left_out.is_empty() {
        lines.push(String::new());
        lines.push(" Not exported (the export model has no place for it):".to_owned());
        lines.push(String::new());
        lines.extend(
            left_out
                .iter()
                .map(|l| format!(" - {}", l.replace('\n', " "))),
        );
    }
    lines
}

/// A QoS of the loaded model as the export model's.
fn qos(qos: Qos) -> export::QoS {
    match qos {
        Qos::AtMostOnce => export::QoS::AtMostOnce,
        Qos::AtLeastOnce => export::QoS::AtLeastOnce,
        Qos::ExactlyOnce => export::QoS::ExactlyOnce,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MqttOperationBinding, SecurityScheme};
    use std::path::Path;

    fn streetlights() -> Document {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/streetlights.yaml");
        crate::spec::load_file(&path)
            .document
            .expect("specs/streetlights.yaml loads")
    }

    fn docs_of(function: &syn::ItemFn) -> String {
        function
            .attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The export model in the body of a generated `asyncapi()`.
    fn model_of(function: &syn::ItemFn) -> Value {
        let [syn::Stmt::Expr(syn::Expr::MethodCall(expect), None)] = &function.block.stmts[..]
        else {
            panic!("one expression: {}", quote!(#function));
        };
        let syn::Expr::Call(call) = &*expect.receiver else {
            panic!("a call of from_model_json");
        };
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(json),
            ..
        })) = call.args.first()
        else {
            panic!("one string literal argument");
        };
        serde_json::from_str(&json.value()).expect("the literal is JSON")
    }

    #[test]
    fn emits_one_deterministic_public_function_reading_the_model() {
        let doc = streetlights();
        let tokens = generate_asyncapi_fn(&doc);
        assert_eq!(tokens.to_string(), generate_asyncapi_fn(&doc).to_string());
        let function: syn::ItemFn = syn::parse2(tokens).expect("an fn item");
        assert_eq!(function.sig.ident, "asyncapi");
        assert!(matches!(function.vis, syn::Visibility::Public(_)));
        assert!(function.sig.inputs.is_empty());
        let body = quote!(#function).to_string();
        assert!(
            body.contains(":: mqttgen :: asyncapi :: Document :: from_model_json (r##\""),
            "{body}"
        );
        let model = model_of(&function);
        assert_eq!(model["info"]["title"], "Streetlights");
        assert_eq!(model["default_content_type"], "application/json");
        assert!(model["schemas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair[0] == "lightMeasuredPayload"));
        assert!(model["channels"].as_array().unwrap().iter().any(|channel| {
            channel["address"] == "city/{district}/lights/{lightId}/measured"
                && channel["id"] == "lightMeasured"
        }));
        let send = model["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|op| op["id"] == "sendLightCommand")
            .expect("sendLightCommand");
        assert_eq!(send["action"], "send");
        assert_eq!(send["address"], "city/{district}/lights/{lightId}/command");
        assert_eq!(
            send["parameters"][0]["enum_values"],
            serde_json::json!(["north", "south", "east", "west"])
        );
        assert_eq!(send["qos"], 1);
        assert_eq!(
            model["servers"][0],
            serde_json::json!({
                "name": "local",
                "host": "localhost:{port}",
                "protocol": "mqtt",
                "protocol_version": "5.0",
                "description": "A broker on this machine.",
                "binding": {"client_id": "streetlights", "clean_session": true, "keep_alive": 30},
                "variables": [
                    {"name": "port", "default": "1883", "enum_values": ["1883", "8883"]}
                ]
            })
        );
        assert!(!docs_of(&function).contains("the variables of server"));
    }

    /// The literal in generated code reads back, with the runtime's reader, as exactly the
    /// document the generator built: there is one model, not a JSON mirror of it.
    #[test]
    fn the_literal_reads_back_as_the_built_document() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for spec in [
            "specs/streetlights.yaml",
            "specs/device-config.yaml",
            "tests/tests/fixtures/export_model.yaml",
        ] {
            let doc = crate::spec::load_file(&root.join(spec))
                .document
                .unwrap_or_else(|| panic!("{spec} loads"));
            let function: syn::ItemFn = syn::parse2(generate_asyncapi_fn(&doc)).unwrap();
            let read = export::Document::from_model_json(&model_of(&function).to_string())
                .unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(read, export_document(&doc).0, "{spec}");
            assert!(read.to_yaml().is_ok(), "{spec} lays out");
        }
    }

    #[test]
    fn locations_are_typed_and_unusable_ones_are_left_out() {
        let yaml = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  \
                    a: {address: a, messages: {m: {$ref: '#/components/messages/m'}, \
                    n: {$ref: '#/components/messages/n'}}}\n\
                    operations:\n  \
                    ask: {action: send, channel: {$ref: '#/channels/a'}, \
                    reply: {address: {location: '$message.payload#/replyTo'}}}\n\
                    components:\n  messages:\n    \
                    m: {payload: {type: object}, correlationId: {location: '$message.header#/a~1b'}}\n    \
                    n: {payload: {type: object}, correlationId: {location: '$message.header#/MQMD/CorrelId'}}\n";
        let doc = crate::spec::load_str(yaml, "t.yaml").document.unwrap();
        let (export, left_out) = export_document(&doc);
        let ask = &export.operations[0];
        let message = |name: &str| ask.messages.iter().find(|m| m.name == name).unwrap();
        assert_eq!(
            message("m").correlation_id,
            Some(mqttgen_address::Location::header("a/b"))
        );
        assert_eq!(message("n").correlation_id, None);
        assert!(
            left_out
                .iter()
                .any(|l| l.contains("correlation id of message `n`")),
            "{left_out:?}"
        );
        assert_eq!(
            ask.reply.as_ref().unwrap().address,
            export::ReplyAddress::Location(mqttgen_address::Location::payload("/replyTo"))
        );
        let value = export.to_value().unwrap();
        let channel_messages = &value["channels"]["a"]["messages"];
        assert_eq!(
            channel_messages["m"]["correlationId"]["location"],
            "$message.header#/a~1b"
        );
        assert_eq!(
            value["operations"]["ask"]["reply"]["address"]["location"],
            "$message.payload#/replyTo"
        );
    }

    /// The QoS the generated routes subscribe with, per receive operation id: the `.qos(..)`
    /// after the operation's `route(..)` call, else the runtime's route default (QoS 1).
    fn route_qos(doc: &Document) -> Vec<(String, u8)> {
        let messages = crate::types::name_types(doc).messages();
        let settings = crate::service::ServiceSettings::for_role(crate::service::Role::App);
        let code = crate::service::generate_service(doc, &messages, &settings);
        let text = code.tokens().to_string();
        doc.operations
            .iter()
            .filter(|op| op.action == Some(crate::model::Action::Receive))
            .map(|op| {
                let call = format!(", \"{}\" , & handler ,", op.id);
                let at = text
                    .find(&call)
                    .unwrap_or_else(|| panic!("no route for {}", op.id));
                let rest = &text[at..];
                // The end of the route call: its `(` is before `at`.
                let mut depth = 1;
                let end = rest
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map(|(i, _)| i + 1)
                    .unwrap();
                let after = rest[end..].trim_start();
                let qos = if let Some(level) = after.strip_prefix(". qos (rt :: QoS :: ") {
                    match level.split_whitespace().next().unwrap() {
                        "AtMostOnce" => 0,
                        "AtLeastOnce" => 1,
                        _ => 2,
                    }
                } else {
                    1
                };
                (op.id.clone(), qos)
            })
            .collect()
    }

    #[test]
    fn exported_bindings_are_the_qos_the_generated_code_uses() {
        let yaml = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  \
                    a: {address: a, messages: {m: {payload: {type: string}}}}\n  \
                    b: {address: b, messages: {m: {payload: {type: string}}}}\n\
                    operations:\n  \
                    plain: {action: receive, channel: {$ref: '#/channels/a'}}\n  \
                    exact: {action: receive, channel: {$ref: '#/channels/b'}, bindings: {mqtt: {qos: 2}}}\n  \
                    publish: {action: send, channel: {$ref: '#/channels/a'}}\n  \
                    publishOnce: {action: send, channel: {$ref: '#/channels/b'}, bindings: {mqtt: {qos: 1}}}\n";
        let doc = crate::spec::load_str(yaml, "t.yaml").document.unwrap();
        let function: syn::ItemFn = syn::parse2(generate_asyncapi_fn(&doc)).unwrap();
        let model = model_of(&function);
        let exported = |id: &str| -> u8 {
            let op = model["operations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|op| op["id"] == id)
                .unwrap_or_else(|| panic!("{id} exported"));
            op["qos"].as_u64().unwrap_or(0) as u8
        };
        let routes = route_qos(&doc);
        assert_eq!(routes, [("plain".to_string(), 1), ("exact".to_string(), 2)]);
        for (id, qos) in routes {
            assert_eq!(exported(&id), qos, "operation `{id}`");
        }
        // Publishers use the binding's QoS, else 0 (`Qos::default()`), and so does the export.
        assert_eq!(exported("publish"), 0);
        assert_eq!(exported("publishOnce"), 1);
        assert!(
            model["operations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|op| op.get("retain").is_none()),
            "no retain flag is invented: {model}"
        );
    }

    #[test]
    fn a_document_with_nothing_to_add_is_its_info() {
        let mut doc = Document::default();
        doc.info.title = "Empty".into();
        doc.info.version = "1".into();
        let function: syn::ItemFn = syn::parse2(generate_asyncapi_fn(&doc)).unwrap();
        assert_eq!(
            model_of(&function),
            serde_json::json!({"info": {"title": "Empty", "version": "1"}})
        );
    }

    #[test]
    fn what_the_export_model_cannot_hold_is_documented() {
        let mut doc = streetlights();
        doc.security_schemes.push(SecurityScheme {
            name: "oauth".into(),
            kind: "oauth2".into(),
            ..SecurityScheme::default()
        });
        doc.operations[1].mqtt = Some(MqttOperationBinding {
            message_expiry_interval: Some(60),
            ..MqttOperationBinding::default()
        });
        doc.channels[0].address = None;
        doc.messages[1].payload = None;
        let function: syn::ItemFn = syn::parse2(generate_asyncapi_fn(&doc)).unwrap();
        let docs = docs_of(&function);
        for expected in [
            "Not exported",
            "security scheme `oauth`",
            "operation `receiveLightMeasured`: its channel has no address",
            "message `turnOn` has no payload",
        ] {
            assert!(docs.contains(expected), "missing `{expected}` in\n{docs}");
        }
        let model = model_of(&function);
        let operations = model["operations"].as_array().unwrap();
        assert!(operations
            .iter()
            .all(|op| op["id"] != "receiveLightMeasured"));
        assert!(
            operations
                .iter()
                .any(|op| op["message_expiry_interval"] == 60),
            "the expiry is exported: {model}"
        );
    }
}
