//! Differential test against the reference: `mqttgen check` and the official AsyncAPI parser
//! (`tools/asyncapi-validate`, npm `@asyncapi/parser`) give the same verdict (valid / invalid) on
//! every document of `specs/`, `specs/invalid/`, `specs/warnings/`, the public corpus (`../shared/specs/public` or
//! `$MQTTGEN_CORPUS`) and seeded, reproducible mutants of them (see `differential/mutate.rs`).
//!
//! Every disagreement is printed with both tools' messages. Those we keep on purpose are listed,
//! with their reasons, in `specs/conformance-differences.md`; any other fails the test. Each tool
//! runs once over all documents (the parser is restarted only past a document it hangs on).

#[path = "differential/mutate.rs"]
mod mutate;
#[path = "../../tests/support/inputs.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{corpus, official_validator, workspace_root};

/// Mutants made per run, and the seed they are made from.
const MUTANTS: usize = 200;
const SEED: u64 = 22;
/// Largest document mutants are made from.
const MAX_BASE_BYTES: usize = 12 * 1024;
/// CPU time the official parser may use on one document before it counts as hung (a document
/// takes tens of milliseconds, the first of each AsyncAPI version about a second, the alias bomb
/// three). CPU time, not wall time, so a busy machine does not turn a slow document into a hang.
const PARSER_BUDGET: Duration = Duration::from_secs(10);
/// Parser worker threads: one, so the CPU budget is the document's own.
const PARSER_WORKERS: usize = 1;

/// Entry documents of the corpus (rows of SOURCES.md with a verdict; fragments are skipped).
fn corpus_documents(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 7 || cells[1] == "File" || cells[1].starts_with("---") {
            continue;
        }
        if cells[5].starts_with("OK") || cells[5].starts_with("INVALID") {
            out.push(dir.join(cells[1].split_whitespace().next().unwrap_or("")));
        }
    }
    out
}

/// Entry documents under `dir`: YAML/JSON files, and `asyncapi.yaml` of sub-folders.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.join("asyncapi.yaml").is_file() {
                out.push(path.join("asyncapi.yaml"));
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A tool's verdict on one document.
#[derive(Clone, Debug)]
struct Verdict {
    errors: usize,
    /// (code, message) of each error.
    messages: Vec<(String, String)>,
}

/// A JSON string, or "" for anything else.
fn text(value: &serde_json::Value) -> &str {
    value.as_str().unwrap_or("")
}

/// (code, "`place` message") of each error of a tool's `diagnostics` array; `place` says where
/// the error is, in that tool's terms.
fn error_messages(
    diagnostics: &serde_json::Value,
    place: impl Fn(&serde_json::Value) -> String,
) -> Vec<(String, String)> {
    diagnostics
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let message = format!("{} {}", place(d), text(&d["message"]));
            (text(&d["code"]).to_string(), message)
        })
        .collect()
}

/// `mqttgen check --format json` over all documents in one process.
fn ours(documents: &[PathBuf]) -> HashMap<PathBuf, Verdict> {
    let out = Command::new(env!("CARGO_BIN_EXE_mqttgen"))
        // The official parser reads any file a `$ref` names; our default ref root (the spec's
        // folder, a guard for untrusted input tested in cli_ref_root.rs) is widened to match.
        .args(["check", "--format", "json", "--ref-root", "/"])
        .args(documents)
        .output()
        .expect("run mqttgen check");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mqttgen check --format json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut verdicts = HashMap::new();
    for (doc, path) in report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .zip(documents)
    {
        let messages = error_messages(&doc["diagnostics"], |d| {
            format!("{} {}:{}", text(&d["pointer"]), d["line"], d["column"])
        });
        verdicts.insert(
            path.clone(),
            Verdict {
                errors: doc["errors"].as_u64().unwrap() as usize,
                messages,
            },
        );
    }
    verdicts
}

/// The official parser over all documents: one `node` process (`serve.mjs`) whose workers each
/// create the parser once and are replaced when a document overruns [`PARSER_BUDGET`] (that
/// document's verdict is `None`: the parser gave none, for example on a `$ref` cycle it never
/// leaves).
fn reference(documents: &[PathBuf]) -> HashMap<PathBuf, Option<Verdict>> {
    let tool = official_validator();
    let mut child = Command::new("node")
        .arg(tool.join("serve.mjs"))
        .args(["--workers", &PARSER_WORKERS.to_string()])
        .args(["--cpu-budget-ms", &PARSER_BUDGET.as_millis().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run node (Node.js 20 is needed for the official parser)");
    let mut stdin = child.stdin.take().unwrap();
    let list: String = documents
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let mut verdicts = HashMap::new();
    let mut answered = 0;
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for (line, path) in stdout.lines().zip(documents) {
        let line = line.expect("read the validator's output");
        answered += 1;
        let report: serde_json::Value =
            serde_json::from_str(&line).expect("the validator prints JSON lines");
        assert_eq!(
            report["file"].as_str(),
            Some(path.display().to_string().as_str()),
            "the validator answers in input order"
        );
        if report.get("timeout").is_some() || report.get("crash").is_some() {
            if let Some(crash) = report["crash"].as_str() {
                eprintln!("official parser crashed on {}: {crash}", path.display());
            }
            verdicts.insert(path.clone(), None);
            continue;
        }
        let messages = error_messages(&report["diagnostics"], |d| format!("/{}", text(&d["path"])));
        let verdict = Verdict {
            errors: report["errors"].as_u64().unwrap() as usize,
            messages,
        };
        verdicts.insert(path.clone(), Some(verdict));
    }
    writer
        .join()
        .unwrap()
        .expect("send the documents to the validator");
    let status = child.wait().expect("wait for the validator");
    assert!(status.success(), "the validator failed: {status}");
    assert_eq!(
        answered,
        documents.len(),
        "the validator stopped before the last document"
    );
    verdicts
}

/// The deliberate differences: `document` rows (a path relative to the repository or the corpus)
/// and `code` rows (an error of ours the official parser does not make).
struct Deliberate {
    documents: BTreeMap<String, String>,
    codes: BTreeMap<String, String>,
    /// Documents on which the official parser gives no verdict (it does not finish within its
    /// budget): they are counted apart, and agreement is counted over the documents with one.
    no_verdict: BTreeMap<String, String>,
}

fn deliberate() -> Deliberate {
    let text =
        std::fs::read_to_string(workspace_root().join("specs/conformance-differences.md")).unwrap();
    let mut documents = BTreeMap::new();
    let mut codes = BTreeMap::new();
    let mut no_verdict = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || cells[1] == "Kind" || cells[1].starts_with("---") {
            continue;
        }
        let key = cells[2].trim_matches('`').to_string();
        let reason = cells[3].to_string();
        assert!(!reason.is_empty(), "no reason given for {key}");
        match cells[1] {
            "document" => documents.insert(key, reason),
            "code" => codes.insert(key, reason),
            "no reference verdict" => no_verdict.insert(key, reason),
            other => panic!("unknown kind `{other}` in conformance-differences.md"),
        };
    }
    Deliberate {
        documents,
        codes,
        no_verdict,
    }
}

/// Single-file documents (no external `$ref`) the mutants are made from, as JSON values.
fn mutation_bases(documents: &[PathBuf]) -> Vec<(PathBuf, serde_json::Value)> {
    let mut out = Vec::new();
    for path in documents {
        let text = std::fs::read_to_string(path).unwrap();
        let external = text.lines().any(|l| {
            l.contains("$ref") && !l.contains("'#") && !l.contains("\"#") && !l.contains(" #/")
        });
        if external {
            continue;
        }
        // Small documents only: the official parser's time grows with size, and a small
        // document's mutants exercise the same rules.
        if text.len() > MAX_BASE_BYTES {
            continue;
        }
        let loaded = mqttgen_codegen::spec::load_file(path);
        if loaded.has_errors() {
            continue;
        }
        let Some(root) = loaded.sources.file(0).and_then(|f| f.root.as_ref()) else {
            continue;
        };
        out.push((path.clone(), root.to_json()));
    }
    out
}

#[test]
fn check_agrees_with_the_official_parser() {
    let root = workspace_root();
    let mut documents: Vec<PathBuf> = Vec::new();
    documents.extend(entries(&root.join("specs")));
    documents.extend(
        entries(&root.join("specs/fleet"))
            .into_iter()
            .filter(|p| p.ends_with("asyncapi.yaml")),
    );
    documents.extend(entries(&root.join("specs/invalid")));
    documents.extend(entries(&root.join("specs/warnings")));
    let corpus = corpus().map(|dir| dir.canonicalize().unwrap_or(dir));
    if let Some(dir) = &corpus {
        documents.extend(corpus_documents(dir));
    }
    let originals = documents.len();

    // Mutants, reproducible from SEED, written to a scratch folder.
    let bases = mutation_bases(&documents);
    assert!(!bases.is_empty(), "no single-file valid document to mutate");
    // `MQTTGEN_DIFFERENTIAL_DIR=dir` keeps the mutants there (to look at one that disagrees).
    let scratch = tempfile::tempdir().unwrap();
    let mutant_dir = std::env::var_os("MQTTGEN_DIFFERENTIAL_DIR")
        .map_or_else(|| scratch.path().to_owned(), PathBuf::from);
    std::fs::create_dir_all(&mutant_dir).unwrap();
    let mut rng = mutate::Rng::new(SEED);
    let mut kinds: HashMap<PathBuf, (mutate::Kind, PathBuf)> = HashMap::new();
    for i in 0..MUTANTS {
        let (base, value) = &bases[rng.below(bases.len())];
        let kind = mutate::KINDS[i % mutate::KINDS.len()];
        let text = mutate::mutant(value, kind, &mut rng);
        let path = mutant_dir.join(format!("mutant-{i:03}.yaml"));
        std::fs::write(&path, text).unwrap();
        kinds.insert(path.clone(), (kind, base.clone()));
        documents.push(path);
    }

    if std::env::var_os("MQTTGEN_DIFFERENTIAL_OURS_ONLY").is_some() {
        let ours = ours(&documents);
        // Debugging aid: only mqttgen's verdicts (the official parser is the slow part).
        for path in &documents {
            let v = &ours[path];
            if v.errors > 0 {
                println!("{}: {:?}", path.display(), v.messages);
            }
        }
        return;
    }
    // Both tools at once: the official parser is the slow part.
    let (ours, reference) = std::thread::scope(|scope| {
        let theirs = scope.spawn(|| reference(&documents));
        let started = Instant::now();
        let ours = ours(&documents);
        println!("differential: mqttgen check took {:?}", started.elapsed());
        (ours, theirs.join().unwrap())
    });
    let deliberate = deliberate();
    let name_of = |path: &Path| -> String {
        let path_str = path.display().to_string();
        if let Ok(rel) = path.strip_prefix(&root) {
            return rel.display().to_string();
        }
        if let Some(dir) = &corpus {
            if let Ok(rel) = path.strip_prefix(dir) {
                return format!("corpus:{}", rel.display());
            }
        }
        path_str
    };

    let mut agree = 0;
    let mut kept = Vec::new();
    let mut failures = Vec::new();
    let mut without_verdict = Vec::new();
    for path in &documents {
        let name = name_of(path);
        let mine = &ours[path];
        let theirs = &reference[path];
        if theirs.is_none() {
            if let Some(reason) = deliberate.no_verdict.get(&name) {
                // Nothing to agree with: listed with the reason, and we must still refuse it.
                assert!(
                    mine.errors > 0,
                    "{name}: listed as having no reference verdict, and mqttgen check accepts it"
                );
                without_verdict.push(format!("{name}: {reason}"));
                continue;
            }
        }
        let same = theirs
            .as_ref()
            .is_some_and(|t| (t.errors == 0) == (mine.errors == 0));
        if same {
            agree += 1;
            continue;
        }
        let explained = deliberate.documents.get(&name).cloned().or_else(|| {
            // Stricter on purpose: we reject, the parser accepts, and every error we give is a
            // listed MQTT-specific (or otherwise documented) check.
            let stricter = theirs.as_ref().is_some_and(|t| t.errors == 0) && mine.errors > 0;
            let codes: Vec<&String> = mine.messages.iter().map(|(c, _)| c).collect();
            let listed = |(code, message): &(String, String)| {
                deliberate
                    .codes
                    .keys()
                    .any(|key| match key.split_once(": ") {
                        Some((c, fragment)) => c == code && message.contains(fragment),
                        None => key == code,
                    })
            };
            (stricter && mine.messages.iter().all(listed))
                .then(|| format!("listed codes {codes:?}"))
        });
        let origin = kinds
            .get(path)
            .map(|(kind, base)| format!(" (mutant {kind:?} of {})", name_of(base)))
            .unwrap_or_default();
        let report = format!(
            "{name}{origin}\n  mqttgen: {} error(s){}\n  official parser: {}",
            mine.errors,
            mine.messages
                .iter()
                .map(|(c, m)| format!("\n    [{c}] {m}"))
                .collect::<String>(),
            match theirs {
                None => format!(
                    "no verdict (more than {}s of CPU time, or it crashed)",
                    PARSER_BUDGET.as_secs()
                ),
                Some(t) => format!(
                    "{} error(s){}",
                    t.errors,
                    t.messages
                        .iter()
                        .map(|(c, m)| format!("\n    [{c}] {m}"))
                        .collect::<String>()
                ),
            }
        );
        match explained {
            Some(reason) => kept.push(format!("{report}\n  kept on purpose: {reason}")),
            None => failures.push(report),
        }
    }
    let with_verdict = documents.len() - without_verdict.len();
    println!(
        "differential: {} documents ({originals} originals, {MUTANTS} mutants from seed {SEED}), \
         {with_verdict} with a verdict of the official parser; of those {agree} agree ({:.1}%), \
         {} differ on purpose, {} differ otherwise; {} without a reference verdict (listed)",
        documents.len(),
        100.0 * agree as f64 / with_verdict.max(1) as f64,
        kept.len(),
        failures.len(),
        without_verdict.len()
    );
    for k in &kept {
        println!("{k}");
    }
    for w in &without_verdict {
        println!("no reference verdict: {w}");
    }
    assert!(
        failures.is_empty(),
        "{} document(s) where mqttgen check and the official parser disagree:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
