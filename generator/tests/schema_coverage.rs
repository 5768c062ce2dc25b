//! Issue #26, the parts in place: keywords the generated types do not enforce are warned by
//! `mqttgen check` at the keyword and listed in the type's rustdoc; count limits written as
//! decimals (`maxItems: 2.0`) are enforced like integers.

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
fn unenforced_keywords_are_warned_and_documented() {
    let loaded = load_str(SPEC, "spec.yaml");
    let warnings: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "schema-keyword-not-enforced")
        .collect();
    // Properties named `not` and `contains` are names, not keywords.
    assert_eq!(warnings.len(), 1, "{}", loaded.render());
    assert!(warnings[0]
        .message
        .starts_with("`minProperties` is not enforced"));
    assert_eq!(warnings[0].location.as_ref().map(|l| l.line), Some(10));
    let doc = loaded.document.expect("loads");
    let types = generate_types(&doc, &TypeSettings::default());
    let text = render_module(&types, "spec.yaml").expect("parses");
    assert!(
        text.contains("Not enforced on decoding: `minProperties`"),
        "{text}"
    );
    // `maxItems: 2.0` is a limit of 2 items.
    assert!(
        text.contains("max_items: ::std::option::Option::Some(2usize)"),
        "{text}"
    );
}
