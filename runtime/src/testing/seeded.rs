//! Seeded runs: the same test under many fault seeds, each on a fresh paused Tokio runtime; a
//! failing run names its seed, and `MQTTGEN_SEED=<seed>` replays exactly that run.
//!
//! ```
//! use mqttgen::testing::seeded::run_seeded;
//! run_seeded(20, |seed| async move {
//!     // build a MemoryBroker::with_faults(Faults::seeded(seed)...), run the scenario, assert
//!     assert!(seed < 20);
//! });
//! ```

use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// The environment variable that replays one seed: `MQTTGEN_SEED=42 cargo test NAME`.
pub const SEED_ENV: &str = "MQTTGEN_SEED";

/// The seed in `MQTTGEN_SEED` (decimal or `0x` hexadecimal), if set.
///
/// # Panics
/// If the variable is set but is not a number: a typo must not silently run other seeds.
pub fn seed_from_env() -> Option<u64> {
    let raw = std::env::var(SEED_ENV).ok()?;
    let text = raw.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    match parsed {
        Ok(seed) => Some(seed),
        Err(e) => panic!("{SEED_ENV}={raw:?} is not a seed (a decimal or 0x-hex u64): {e}"),
    }
}

/// The seeds a run of `runs` uses: `0..runs`, or only the one in `MQTTGEN_SEED`.
pub fn seeds(runs: u64) -> Vec<u64> {
    match seed_from_env() {
        Some(seed) => vec![seed],
        None => (0..runs).collect(),
    }
}

/// A seeded run that panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedFailure {
    /// The seed that failed.
    pub seed: u64,
    /// The panic message.
    pub message: String,
    /// Runs that passed before it.
    pub passed: u64,
}

impl std::fmt::Display for SeedFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "failed with seed {} (after {} passing runs): {}\nreplay it with {SEED_ENV}={}",
            self.seed, self.passed, self.message, self.seed
        )
    }
}

/// Runs `test(seed)` for each of [`seeds(runs)`](seeds), each on a fresh current-thread Tokio
/// runtime whose clock starts paused; stops at the first panic and returns its seed. Returns
/// the number of runs otherwise.
///
/// Must not be called from inside a Tokio runtime (use a plain `#[test]`).
pub fn try_run_seeded<F, Fut>(runs: u64, test: F) -> Result<u64, SeedFailure>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut passed = 0;
    for seed in seeds(runs) {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .expect("a current-thread Tokio runtime")
                .block_on(test(seed))
        }));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "(non-string panic)".to_owned());
            return Err(SeedFailure {
                seed,
                message,
                passed,
            });
        }
        passed += 1;
    }
    Ok(passed)
}

/// [`try_run_seeded`] that panics on the first failing run, printing its seed and how to
/// replay it (`MQTTGEN_SEED=<seed>`).
#[track_caller]
pub fn run_seeded<F, Fut>(runs: u64, test: F) -> u64
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()>,
{
    match try_run_seeded(runs, test) {
        Ok(n) => n,
        Err(failure) => {
            eprintln!("mqttgen: {failure}");
            resume_unwind(Box::new(failure.to_string()))
        }
    }
}
