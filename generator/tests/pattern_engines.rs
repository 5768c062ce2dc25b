//! Issue #24: the linear-time engine (`regex`, after [`classify`]'s translation) gives the same
//! verdicts as `regress` (the ECMA-262 engine typify uses), on every `pattern` of the public
//! corpus, every `pattern`/`patternProperties` of the JSON Schema test suite (draft-07 and its
//! ECMA-262 regex cases) and a list of patterns as people write them, each against a bank of
//! matching and non-matching strings. Where the suite states the verdict, the chosen engine must
//! give it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mqttgen_codegen::types::patterns::{classify, has_nested_quantifiers, Engine};
use serde_json::Value;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Patterns as written in specs people publish (beyond the corpus), including the nested
/// quantifiers of issue #24.
const WRITTEN: &[&str] = &[
    r"^(a+)+$",
    r"^([a-z0-9]+)*$",
    r"^(\w+\s?)*$",
    r"^[A-Z]{3}-[0-9]{3}$",
    r"^[A-H][1-8]$",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    r"^\d{4}-\d{2}-\d{2}$",
    r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
    r"^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$",
    r"^#?([a-fA-F0-9]{6}|[a-fA-F0-9]{3})$",
    r"^[a-zA-Z0-9_\-]+$",
    r"^[\w.-]+/[\w.-]+$",
    r"^\S+$",
    r"^\s*$",
    r"\bword\b",
    r"^.+$",
    r"^.*$",
    r"^[^/#+]+$",
    r"^\p{Lu}\p{Ll}+$",
    r"^\P{L}+$",
    r"^[\p{L}\p{N} ]+$",
    r"^[\u0041-\u005A]+$",
    r"^\u{1F600}$",
    r"^\x41\x42$",
    r"^a{2,}$",
    r"^a{,2}$",
    r"^(?:ab|cd)+?$",
    r"^(?<word>[a-z]+)$",
    r"^[]$",
    r"^[^]+$",
    r"^\/path\/[a-z]+$",
    r"^[\-+]?\d+(\.\d+)?$",
    r"^[\[\]]+$",
    r"^[a&&b]$",
    r"^[~~a]$",
    r"^\0$",
    r"^\cJ$",
    r"^[\b]$",
    r"^\W+$",
    r"^[\D]+$",
    r"^[\s\S]+$",
    r"^(ab)\1$",
    r"^(?=.*\d)(?=.*[a-z]).{6,}$",
    r"^(?!foo).*$",
    r"(?<=a)b",
];

/// Strings every pattern is tried on, besides the suite's data. They stay short: `regress`,
/// the reference here, takes exponential time on the nested quantifiers of [`WRITTEN`].
const BANK: &[&str] = &[
    "",
    "a",
    "aa",
    "aaaa",
    "aaaaaaa!",
    "ab",
    "abab",
    "abba",
    "abc",
    "ABC",
    "Abc",
    "Paris",
    "paris",
    "123",
    "1234",
    "-12",
    "+3.25",
    "1.5",
    "0",
    "a1",
    "A1",
    "H8",
    "I9",
    "ABC-123",
    "abc-123",
    " ",
    "  ",
    "\t",
    "\n",
    "a\n",
    "\r\n",
    "\u{0B}",
    "\u{0C}",
    "\u{a0}",
    "\u{feff}",
    "\u{2003}",
    "\u{2028}",
    "\u{85}",
    "\u{1}",
    "é",
    "ß",
    "Éa",
    "日本",
    "😀",
    "🐲",
    "🐲🐲",
    "a_b",
    "a-b",
    "a b c",
    "word",
    "a word here",
    "swordfish",
    "foo@bar.com",
    "foo @bar.com",
    "2024-01-31",
    "2024-1-31",
    "12:30",
    "23:59:59",
    "24:00",
    "v1.2.3",
    "1.2.3-rc.1",
    "#fff",
    "#A0B1C2",
    "fff0",
    "org/repo",
    "org/re/po",
    "a/b",
    "a+b",
    "a#b",
    "/path/abc",
    "/path/ABC",
    "[]",
    "[x]",
    "&",
    "~",
    "\u{0}",
    "\x08",
    "abc1xyz",
    "foo",
    "foobar",
    "barfoo",
    "ab1xyz",
    "b",
    "cb",
    "ab2",
    "٤٢",
    "42",
    "\u{0965}",
    "école",
    "ecole",
    "Ωmega",
];

struct Case {
    pattern: String,
    origin: String,
    /// Strings with the suite's verdict, when it gives one.
    expected: Vec<(String, bool)>,
}

fn suite_cases(file: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let groups: Vec<Value> = serde_json::from_str(&text).expect("suite file is JSON");
    let mut cases = Vec::new();
    for group in groups {
        let schema = &group["schema"];
        let origin = format!(
            "{}: {}",
            file.file_name().unwrap().to_string_lossy(),
            group["description"].as_str().unwrap_or("")
        );
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            let expected = group["tests"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|test| {
                    Some((test["data"].as_str()?.to_string(), test["valid"].as_bool()?))
                })
                .collect();
            cases.push(Case {
                pattern: pattern.to_string(),
                origin: origin.clone(),
                expected,
            });
        }
        if let Some(properties) = schema.get("patternProperties").and_then(Value::as_object) {
            // Object keys are matched against these; the keys of the data go into the bank.
            for pattern in properties.keys() {
                cases.push(Case {
                    pattern: pattern.clone(),
                    origin: origin.clone(),
                    expected: Vec::new(),
                });
            }
        }
    }
    cases
}

/// Every string of a suite file's data (strings, and object keys).
fn suite_strings(file: &Path, into: &mut BTreeSet<String>) {
    fn walk(value: &Value, into: &mut BTreeSet<String>) {
        match value {
            Value::String(s) => {
                into.insert(s.clone());
            }
            Value::Object(map) => {
                for (key, inner) in map {
                    into.insert(key.clone());
                    walk(inner, into);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, into)),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(file).unwrap();
    let groups: Vec<Value> = serde_json::from_str(&text).unwrap();
    for group in groups {
        for test in group["tests"].as_array().into_iter().flatten() {
            walk(&test["data"], into);
        }
    }
}

fn collect_patterns(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("pattern", Value::String(p)) => into.push(p.clone()),
                    ("patternProperties", Value::Object(props)) => {
                        into.extend(props.keys().cloned());
                        props.values().for_each(|v| collect_patterns(v, into));
                    }
                    ("enum" | "const" | "examples" | "example" | "default", _) => {}
                    _ => collect_patterns(inner, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_patterns(i, into)),
        _ => {}
    }
}

/// Every pattern in the public corpus documents (through our loader, refs resolved).
fn corpus_cases() -> Vec<Case> {
    let dir = shared().join("specs/public");
    if !dir.is_dir() {
        assert!(!under_ci(), "the public corpus is missing (CI=true)");
        eprintln!("SKIPPED corpus part: {} not found", dir.display());
        return Vec::new();
    }
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let loaded = mqttgen_codegen::spec::load_file(&file);
        let Some(doc) = loaded.document else {
            continue;
        };
        let mut patterns = Vec::new();
        for schema in doc.schemas.values() {
            collect_patterns(&schema.value, &mut patterns);
        }
        for message in &doc.messages {
            for slot in [&message.payload, &message.headers].into_iter().flatten() {
                collect_patterns(&slot.schema, &mut patterns);
            }
        }
        for pattern in patterns {
            cases.push(Case {
                pattern,
                origin: file.file_name().unwrap().to_string_lossy().into_owned(),
                expected: Vec::new(),
            });
        }
    }
    cases
}

/// `regress` as the generated code runs it: the `u` flag, else without flags.
fn regress(pattern: &str) -> Option<regress::Regex> {
    regress::Regex::with_flags(pattern, "u")
        .or_else(|_| regress::Regex::new(pattern))
        .ok()
}

#[test]
fn the_linear_engine_gives_the_verdicts_of_regress() {
    let suite = shared().join("json-schema-test-suite/draft7");
    let suite_files: Vec<PathBuf> = [
        "pattern.json",
        "patternProperties.json",
        "optional/ecmascript-regex.json",
        "optional/non-bmp-regex.json",
    ]
    .iter()
    .map(|f| suite.join(f))
    .collect();
    let mut cases = Vec::new();
    let mut bank: BTreeSet<String> = BANK.iter().map(|s| s.to_string()).collect();
    if suite.is_dir() {
        for file in &suite_files {
            cases.extend(suite_cases(file));
            suite_strings(file, &mut bank);
        }
    } else {
        assert!(
            !under_ci(),
            "the JSON Schema test suite is missing (CI=true)"
        );
        eprintln!("SKIPPED suite part: {} not found", suite.display());
    }
    let corpus = corpus_cases();
    let corpus_patterns = corpus.len();
    cases.extend(corpus);
    cases.extend(WRITTEN.iter().map(|p| Case {
        pattern: p.to_string(),
        origin: "written".into(),
        expected: Vec::new(),
    }));

    let mut compared = 0;
    let mut matches = 0;
    let mut linear = 0;
    let mut backtracking = Vec::new();
    let mut disagreements = Vec::new();
    let mut suite_checked = 0;
    let mut skipped = 0;
    let mut regress_differs_from_suite = Vec::new();
    for case in &cases {
        let rust = match classify(&case.pattern) {
            Engine::Linear(rust) => rust,
            Engine::Backtracking { why, .. } => {
                backtracking.push(format!("{:?} ({why})", case.pattern));
                continue;
            }
        };
        linear += 1;
        let chosen = regex::Regex::new(&rust).expect("classify only gives patterns that compile");
        let reference = regress(&case.pattern);
        let nested = has_nested_quantifiers(&case.pattern);
        let expected: std::collections::HashMap<&str, bool> = case
            .expected
            .iter()
            .map(|(s, v)| (s.as_str(), *v))
            .collect();
        for input in bank.iter().map(String::as_str) {
            let ours = chosen.is_match(input);
            matches += usize::from(ours);
            compared += 1;
            if let Some(&want) = expected.get(input) {
                suite_checked += 1;
                assert_eq!(
                    ours, want,
                    "{}: pattern {:?} on {input:?}: the suite says {want}",
                    case.origin, case.pattern
                );
            }
            if nested && input.chars().count() > 16 {
                // Exponential on regress, the reference: the route test covers these.
                skipped += 1;
                continue;
            }
            let theirs = reference.as_ref().map(|r| r.find(input).is_some());
            if theirs != Some(ours) {
                match expected.get(input) {
                    // The suite settles it, and we agree with the suite (asserted above).
                    Some(_) => regress_differs_from_suite.push(format!(
                        "{:?} on {input:?}: regress {theirs:?}, suite and regex {ours}",
                        case.pattern
                    )),
                    None => disagreements.push(format!(
                        "{} {:?} (regex {rust:?}) on {input:?}: regex {ours}, regress {theirs:?}",
                        case.origin, case.pattern
                    )),
                }
            }
        }
    }
    println!(
        "{} patterns ({} from the corpus, {} backtracking-only, {linear} on the linear engine) \
         x {} strings: {compared} verdicts compared ({matches} matches), {} disagreements; \
         {suite_checked} suite verdicts checked; {skipped} long strings not given to regress \
         for nested quantifiers",
        cases.len(),
        corpus_patterns,
        backtracking.len(),
        bank.len(),
        disagreements.len(),
    );
    for line in &regress_differs_from_suite {
        println!("regress differs from the suite (regex agrees with the suite): {line}");
    }
    println!("kept on regress: {}", backtracking.join(", "));
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(linear >= 60, "only {linear} patterns compared");
    assert!(
        matches > 500 && compared - matches > 500,
        "the bank must match and miss"
    );
    assert_eq!(
        backtracking.len(),
        4,
        "only backreferences and lookaround stay on regress"
    );
}

#[test]
fn check_warns_at_backtracking_patterns_with_nested_quantifiers() {
    let yaml = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    address: c\n    \
                messages:\n      m:\n        payload:\n          type: object\n          properties:\n            \
                linear: {type: string, pattern: '^(a+)+$'}\n            \
                hostile: {type: string, pattern: '^((a+)\\2)+$'}\n            \
                flat: {type: string, pattern: '^(a)\\1$'}\n";
    let loaded = mqttgen_codegen::spec::load_str(yaml, "spec.yaml");
    let warnings: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "schema-pattern-backtracking")
        .collect();
    assert_eq!(warnings.len(), 1, "{}", loaded.render());
    assert!(
        warnings[0].message.contains(r"^((a+)\2)+$"),
        "{}",
        warnings[0].message
    );
    assert!(warnings[0].message.contains("backreference"));
    let location = warnings[0].location.as_ref().expect("located");
    assert_eq!(location.line, 12, "{}", loaded.render());
}
