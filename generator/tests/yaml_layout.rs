//! YAML layouts the reference loaders (PyYAML, js-yaml, the official AsyncAPI parser) accept are
//! accepted, with exact positions: flow collections across lines closed at the key's own
//! indentation (LF and CRLF), multi-line JSON-style examples under block keys, comments inside
//! flow collections, document markers, tabs as separators, anchors, aliases and merge keys. Plus
//! the yaml-test-suite (`../shared/yaml-test-suite`) as a reference for the YAML reader.

use mqttgen_codegen::spec::load_str;
use mqttgen_codegen::spec::yaml::{self, Node};

/// The example: a flow sequence whose `]` stands at the indentation of `enum:`.
const FLOW_ENUM: &str = "asyncapi: 3.0.0
info:
  title: Flow
  version: '1.0'
channels:
  light:
    address: light
    messages:
      m:
        payload:
          type: object
          properties:
            state:
              enum: [
                \"on\",
                \"off\"
              ]
            cfg:
              type: object
              examples:
                - {
                    \"a\": 1,
                    \"b\": [1, 2]
                  }
              example: {
                \"a\": 1,
              # a comment inside a flow mapping
            \"deep\": {
                  \"x\": true
            }
              }
";

/// The node at `/`-separated `path` below `root`.
fn at<'a>(root: &'a Node, path: &str) -> &'a Node {
    let mut node = root;
    for segment in path.split('/') {
        node = match segment.parse::<usize>() {
            Ok(i) if node.as_seq().is_some() => &node.as_seq().unwrap()[i],
            _ => node
                .get(segment)
                .unwrap_or_else(|| panic!("no `{segment}` in {path}")),
        };
    }
    node
}

fn root_of(text: &str) -> Node {
    let parsed = yaml::parse(text, 0);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        parsed
            .diagnostics
            .iter()
            .map(|d| (&d.message, &d.location))
            .collect::<Vec<_>>()
    );
    parsed.root.expect("a document")
}

/// (line, column) of a node.
fn place(node: &Node) -> (u32, u32) {
    (node.pos.line, node.pos.column)
}

fn check_flow_enum(text: &str) {
    let loaded = load_str(text, "flow.yaml");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let root = root_of(text);
    let props = "channels/light/messages/m/payload/properties";
    let state = at(&root, &format!("{props}/state/enum"));
    assert_eq!(state.to_json(), serde_json::json!(["on", "off"]));
    assert_eq!(place(state), (14, 21), "`[` of the enum");
    assert_eq!(place(at(&root, &format!("{props}/state/enum/1"))), (16, 17));
    // The key after the closing bracket (a mapping starts at its first key), and the example
    // object with its dedented lines.
    let properties = at(&root, props).as_map().unwrap();
    let cfg = properties.iter().find(|e| e.key == "cfg").unwrap();
    assert_eq!((cfg.key_pos.line, cfg.key_pos.column), (18, 13));
    assert_eq!(place(&cfg.value), (19, 15));
    let example = at(&root, &format!("{props}/cfg/example"));
    assert_eq!(
        example.to_json(),
        serde_json::json!({"a": 1, "deep": {"x": true}})
    );
    // `"deep"` sits at column 13, left of `example:` (column 15): read where it is written.
    let deep = example
        .as_map()
        .unwrap()
        .iter()
        .find(|e| e.key == "deep")
        .unwrap();
    assert_eq!((deep.key_pos.line, deep.key_pos.column), (28, 13));
    assert_eq!(
        place(at(&root, &format!("{props}/cfg/example/deep/x"))),
        (29, 24)
    );
    let b = at(&root, &format!("{props}/cfg/examples/0/b"));
    assert_eq!(place(b), (23, 26));
    // Byte offsets agree with line and column.
    let line_start: usize = text.split_inclusive('\n').take(27).map(str::len).sum();
    assert_eq!(
        &text[deep.key_pos.offset..deep.key_pos.offset + 6],
        "\"deep\""
    );
    assert_eq!(deep.key_pos.offset - line_start, 12);
}

#[test]
fn a_flow_sequence_closed_at_the_key_indentation_is_accepted() {
    check_flow_enum(FLOW_ENUM);
}

#[test]
fn the_same_with_crlf_line_endings() {
    let crlf = FLOW_ENUM.replace('\n', "\r\n");
    check_flow_enum(&crlf);
}

#[test]
fn an_error_after_a_relaxed_flow_collection_keeps_its_exact_place() {
    // A real mistake after the relaxed lines is still reported where it is.
    let text = "a:\n  b: [\n    1\n  ]\n  c: [\n  2\n  d: 3\n";
    let parsed = yaml::parse(text, 0);
    let error = parsed.diagnostics.first().expect("an error");
    let location = error.location.as_ref().unwrap();
    assert!(location.line >= 6, "{error:?}");
    // A genuinely mis-indented block is still an error.
    let parsed = yaml::parse("a:\n  b: 1\n c: 2\n", 0);
    assert!(!parsed.diagnostics.is_empty());
}

#[test]
fn a_multi_line_json_example_under_a_block_key() {
    let text = "asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  a:
    subscribe:
      message:
        payload:
          type: object
          properties:
            n: {type: integer}
        examples:
          - payload: {
              \"n\": 1
            }
          - payload:
              {
                \"n\": 2
              }
";
    let loaded = load_str(text, "example.yaml");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let root = root_of(text);
    let examples = "channels/a/subscribe/message/examples";
    assert_eq!(
        place(at(&root, &format!("{examples}/0/payload/n"))),
        (13, 20)
    );
    assert_eq!(place(at(&root, &format!("{examples}/1/payload"))), (16, 15));
    // A wrong example is located at its own place.
    let wrong = text.replace("\"n\": 2", "\"n\": \"two\"");
    let loaded = load_str(&wrong, "example.yaml");
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == "message-example")
        .unwrap_or_else(|| panic!("{}", loaded.render()));
    let l = d.location.as_ref().unwrap();
    // Shown at its key, `payload:` of the second example.
    assert_eq!((l.line, l.column), (15, 13), "{}", loaded.render());
}

#[test]
fn comments_markers_and_tabs_where_yaml_allows_them() {
    let text = "%YAML 1.2\n---\n# top\nasyncapi: 3.0.0\t# a tab before a comment\ninfo: {\n  title: t, # in a flow mapping\n  version: '1'\n}\nchannels: {}\n...\n";
    let loaded = load_str(text, "markers.yaml");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let root = root_of(text);
    assert_eq!(place(at(&root, "asyncapi")), (4, 11));
    assert_eq!(place(at(&root, "channels")), (9, 11));
    assert_eq!(place(at(&root, "info/version")), (7, 12));
}

#[test]
fn anchors_aliases_and_merge_keys_keep_working() {
    let text = "asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  a:
    subscribe:
      message:
        payload: &reading
          type: object
          properties: {v: {type: number}}
  b:
    subscribe:
      message:
        payload:
          <<: *reading
          description: merged
";
    let loaded = load_str(text, "anchors.yaml");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let root = root_of(text);
    let merged = at(&root, "channels/b/subscribe/message/payload");
    assert_eq!(
        merged.to_json(),
        serde_json::json!({"description": "merged", "type": "object", "properties": {"v": {"type": "number"}}})
    );
    assert_eq!(
        place(at(
            &root,
            "channels/b/subscribe/message/payload/description"
        )),
        (15, 24)
    );
}

/// The yaml-test-suite: documents the suite says are valid load to its JSON, those it marks as
/// errors do not load. Cases outside what a located AsyncAPI reader keeps (several documents in
/// one stream, complex keys, empty documents, explicit tags) are counted but not compared.
#[test]
fn yaml_test_suite_agrees() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/yaml-test-suite");
    if !dir.is_dir() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "the yaml-test-suite is missing at {} (CI=true)",
            dir.display()
        );
        eprintln!("SKIPPED: yaml-test-suite not found at {}", dir.display());
        return;
    }
    let (mut agree, mut skipped, mut differ) = (0, 0, Vec::new());
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for case in cases.iter().filter(|c| c.join("in.yaml").is_file()) {
        let Ok(text) = std::fs::read_to_string(case.join("in.yaml")) else {
            continue;
        };
        let parsed = yaml::parse(&text, 0);
        let errors = parsed.diagnostics.iter().any(|d| d.is_error());
        if case.join("error").exists() {
            if errors || parsed.root.is_none() {
                agree += 1;
            } else {
                differ.push(format!(
                    "{}: accepted, the suite says error",
                    case.display()
                ));
            }
            continue;
        }
        let Ok(json_text) = std::fs::read_to_string(case.join("in.json")) else {
            skipped += 1;
            continue;
        };
        let mut values =
            serde_json::Deserializer::from_str(&json_text).into_iter::<serde_json::Value>();
        let (Some(Ok(expected)), None) = (values.next(), values.next()) else {
            skipped += 1; // zero or several documents
            continue;
        };
        if text.contains('!') || text.contains("? ") || text.contains("<<") {
            skipped += 1; // tags, complex keys, merge keys (YAML 1.1) are outside the comparison
            continue;
        }
        match parsed.root {
            Some(root) if !errors && same(&root.to_json(), &expected) => agree += 1,
            Some(root) => differ.push(format!(
                "{}: read {} but the suite says {expected}",
                case.display(),
                root.to_json()
            )),
            None => differ.push(format!(
                "{}: rejected ({:?})",
                case.display(),
                parsed.diagnostics.first().map(|d| &d.message)
            )),
        }
    }
    println!(
        "yaml-test-suite: {agree} agree, {} differ, {skipped} not compared",
        differ.len()
    );
    for d in &differ {
        println!("  {d}");
    }
    let unexpected: Vec<&String> = differ
        .iter()
        .filter(|d| {
            !KNOWN_DIFFERENCES
                .iter()
                .any(|(case, _)| d.contains(&format!("/{case}:")))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} cases differ:\n{unexpected:#?}",
        unexpected.len()
    );
    assert!(agree > 200, "only {agree} cases agree");
}

/// Cases where the reader differs from the suite, each with why.
const KNOWN_DIFFERENCES: [(&str, &str); 5] = [
    ("9C9N", "on purpose: a flow collection's lines indented less than its block are read as PyYAML, js-yaml and the official parser read them"),
    ("4H7K", "yaml-rust2 accepts an extra `]` after a top-level flow sequence (fixed upstream in saphyr 0.0.10)"),
    ("BS4K", "yaml-rust2 accepts a comment between the lines of a multi-line plain scalar"),
    ("KS4U", "yaml-rust2 accepts an item after the end of a top-level flow sequence"),
    ("QLJ7", "only the first document of a stream is read (with a warning); the error is in a later one"),
];

/// JSON equality with numbers compared by value (`1.0` and `1`).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => x.as_f64() == y.as_f64(),
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Object(x), Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
