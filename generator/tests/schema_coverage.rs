//! Issue #26: keywords the generated Rust types cannot express are listed in the type's rustdoc
//! (the payload's JSON Schema check enforces them, so `check` does not warn); count limits written
//! as decimals (`maxItems: 2.0`) are enforced like integers.

use mqttgen_codegen::spec::load_str;
use mqttgen_codegen::types::{generate_types, render_module, TypeSettings};

const SPEC: &str = "asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    address: c
    messages:
      m:
        payload:
          type: object
          minProperties: 1
          properties:
            not: {type: string}
            contains: {type: string}
            list:
              type: array
              items: {type: integer}
              maxItems: 2.0
";

#[test]
fn keywords_the_types_cannot_express_are_documented() {
    let loaded = load_str(SPEC, "spec.yaml");
    let warnings: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "schema-keyword-not-enforced")
        .collect();
    assert!(warnings.is_empty(), "{}", loaded.render());
    let doc = loaded.document.expect("loads");
    let types = generate_types(&doc, &TypeSettings::default());
    let text = render_module(&types, "spec.yaml").expect("parses");
    assert!(
        text.contains("Not expressed by this Rust type: `minProperties` ("),
        "{text}"
    );
    // `maxItems: 2.0` is a limit of 2 items.
    assert!(
        text.contains("max_items: ::std::option::Option::Some(2usize)"),
        "{text}"
    );
}
