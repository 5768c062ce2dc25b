//! `mqttgen diff` on the public corpus (`../shared/specs/public`, or `$MQTTGEN_CORPUS`): every
//! document the front end accepts, diffed with itself, reports nothing; streetlights 2.6 against
//! streetlights 3.0 reports only what really changes for peers and for generated Rust.

#[path = "support/inputs.rs"]
mod support;

use std::path::{Path, PathBuf};

use mqttgen_codegen::diff::{diff, Class, FailOn, Side};
use mqttgen_codegen::spec::{load_file_with, LoadOptions, Loaded};
use support::corpus;

/// Entry documents listed in SOURCES.md (fragments, validity `-`, are skipped).
fn documents(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| "))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 7 || cells[1] == "File" || cells[1].starts_with("---") {
                return None;
            }
            let validity = cells[5];
            (validity.starts_with("OK") || validity.starts_with("INVALID"))
                .then(|| dir.join(cells[1].split_whitespace().next().unwrap_or("")))
        })
        .collect()
}

fn load(dir: &Path, path: &Path) -> Loaded {
    load_file_with(path, &LoadOptions::with_ref_root(dir))
}

#[test]
fn every_accepted_corpus_document_diffed_with_itself_reports_nothing() {
    let Some(dir) = corpus() else { return };
    let mut accepted = 0;
    let mut failures = Vec::new();
    for path in documents(&dir) {
        // Two separate loads: the comparison must not rely on sharing one model.
        let (old, new) = (load(&dir, &path), load(&dir, &path));
        if old.has_errors() || old.document.is_none() {
            continue;
        }
        accepted += 1;
        let report = diff(Side::of(&old).unwrap(), Side::of(&new).unwrap());
        if !report.changes.is_empty() || report.exit_code(FailOn::Any) != 0 {
            failures.push(format!("{}: {:#?}", path.display(), report.changes));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(accepted >= 30, "only {accepted} corpus documents load");
    eprintln!("{accepted} accepted corpus documents diffed with themselves: no changes");
}

/// Streetlights 2.6 → 3.0 (the same API rewritten in the new format, SOURCES.md).
///
/// What is NOT reported, and why: the `asyncapi` version; the 3.x channel ids and the explicit
/// `send`/`receive` actions (the addresses and the directions are the same: 2.x `publish` is
/// `receive`); the oauth2 scheme written inline in 3.0 instead of `supportedOauthFlows` (the same
/// kinds of security are required); operation ids, messages and payloads (unchanged).
///
/// What IS reported: three API-breaking renames. In 2.x a channel's generated parameters type is
/// named from its address's last two literal levels (`.../turn/on` → `TurnOnParams`), in 3.x from
/// its channel id (`lightTurnOn` → `LightTurnOnParams`); code written against the 2.6 crate
/// names `TurnOnParams` and no longer compiles against the 3.0 crate. The test checks those names
/// against the service snapshots generated from these two files. `lightingMeasured` keeps its
/// name (`LightingMeasuredParams` both ways) and is not reported.
#[test]
fn streetlights_2_6_against_3_0_reports_only_the_renamed_parameter_types() {
    let Some(dir) = corpus() else { return };
    let old = load(&dir, &dir.join("asyncapi-spec__streetlights-mqtt.yml"));
    let new = load(
        &dir,
        &dir.join("asyncapi-spec__streetlights-mqtt-asyncapi.yml"),
    );
    let report = diff(Side::of(&old).unwrap(), Side::of(&new).unwrap());
    assert_eq!(report.formats, ("2.6.0".to_string(), "3.0.0".to_string()));
    let summary: Vec<(Class, &str, &str)> = report
        .changes
        .iter()
        .map(|c| (c.class, c.code, c.subject.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Class::ApiBreaking,
                "channel-renamed",
                "channel `lightTurnOn`"
            ),
            (
                Class::ApiBreaking,
                "channel-renamed",
                "channel `lightTurnOff`"
            ),
            (Class::ApiBreaking, "channel-renamed", "channel `lightsDim`"),
        ],
        "{:#?}",
        report.changes
    );
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots_service");
    let v2 = std::fs::read_to_string(snapshots.join("streetlights_v2/app.rs")).unwrap();
    let v3 = std::fs::read_to_string(snapshots.join("streetlights_v3/app.rs")).unwrap();
    for (change, (old_name, new_name)) in report.changes.iter().zip([
        ("TurnOnParams", "LightTurnOnParams"),
        ("TurnOffParams", "LightTurnOffParams"),
        ("ActionDimParams", "LightsDimParams"),
    ]) {
        let rust = change.rust.as_deref().unwrap();
        assert!(
            rust.contains(&format!("`{old_name}` becomes `{new_name}`")),
            "{rust}"
        );
        assert!(
            v2.contains(&format!("pub struct {old_name} ")),
            "{old_name} in the 2.6 crate"
        );
        assert!(
            !v3.contains(&format!("pub struct {old_name} ")),
            "{old_name} gone in 3.0"
        );
        assert!(
            v3.contains(&format!("pub struct {new_name} ")),
            "{new_name} in the 3.0 crate"
        );
        assert!(change
            .old
            .as_ref()
            .unwrap()
            .file
            .ends_with("streetlights-mqtt.yml"));
        assert!(change
            .new
            .as_ref()
            .unwrap()
            .file
            .ends_with("streetlights-mqtt-asyncapi.yml"));
    }
    assert!(
        v2.contains("pub struct LightingMeasuredParams ")
            && v3.contains("pub struct LightingMeasuredParams ")
    );
    assert_eq!(report.exit_code(FailOn::Breaking), 1);
}
