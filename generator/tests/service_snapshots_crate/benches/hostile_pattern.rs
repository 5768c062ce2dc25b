//! Issue #24: decode time of the hostile payload `{"code":"aaaaaaaaaaaaaaaaaaaaaaaaaa!"}`
//! against `^(a+)+$`, before (typify's `regress` check, as generated until #24) and after (the
//! generated type, `regex`). `cargo bench -p mqttgen-service-snapshots --bench hostile_pattern`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mqttgen_service_snapshots::hostile_patterns::types;

const HOSTILE: &str = r#"{"code":"aaaaaaaaaaaaaaaaaaaaaaaaaa!"}"#;

/// What typify generated before: a `regress` newtype over the field.
#[derive(Debug)]
struct Before(#[allow(dead_code)] String);

impl<'de> serde::Deserialize<'de> for Before {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        static PATTERN: std::sync::LazyLock<regress::Regex> =
            std::sync::LazyLock::new(|| regress::Regex::new("^(a+)+$").unwrap());
        let value = String::deserialize(d)?;
        if PATTERN.find(&value).is_none() {
            return Err(serde::de::Error::custom("doesn't match pattern"));
        }
        Ok(Before(value))
    }
}

#[derive(Debug, serde::Deserialize)]
struct BeforePayload {
    #[allow(dead_code)]
    code: Before,
}

fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> Duration {
    let started = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    started.elapsed() / runs
}

fn main() {
    let before = time(1, || {
        serde_json::from_str::<BeforePayload>(black_box(HOSTILE)).is_err()
    });
    let after = time(10_000, || {
        serde_json::from_str::<types::CodePayload>(black_box(HOSTILE)).is_err()
    });
    println!(
        "hostile payload decode ({} bytes, ^(a+)+$): before (regress) {before:.2?}, after (regex) \
         {after:.2?}; {:.0}x faster",
        HOSTILE.len(),
        before.as_secs_f64() / after.as_secs_f64()
    );
}
