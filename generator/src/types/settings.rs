//! How the payload types are generated: [`TypeSettings`].

/// Options for [`generate_types`](super::generate_types).
#[derive(Clone, Debug)]
pub struct TypeSettings {
    /// Generate [`GeneratedTypes::example_tests`](super::GeneratedTypes::example_tests) from message examples (default `true`).
    pub example_tests: bool,
    /// Definitions per typify run: a bundle with fewer than twice this many is generated in
    /// one run, so its types come out in one name-sorted list (default 512). Smaller runs need
    /// less memory at once, and the pipeline runs them on two threads.
    pub group_size: usize,
    /// At most this many typify runs (default 8). Each run's types are name-sorted.
    pub max_groups: usize,
}

impl Default for TypeSettings {
    fn default() -> Self {
        TypeSettings {
            example_tests: true,
            group_size: 512,
            max_groups: 8,
        }
    }
}
