//! The library's entry point: a [`Generator`] configured by [`Settings`].
//!
//! ```no_run
//! use mqttgen_codegen::{Generator, Role, Settings};
//!
//! let generator = Generator::new(Settings { role: Role::App, ..Settings::default() });
//! let loaded = generator.check(std::path::Path::new("asyncapi.yaml"));
//! eprint!("{}", loaded.render());
//! if let (false, Some(doc)) = (loaded.has_errors(), &loaded.document) {
//!     let module = generator.module(doc).expect("generated");
//!     println!("{}", module.source);
//! }
//! ```
//!
//! The `mqttgen` command line (crate `mqttgen-cli`) and the build.rs [`crate::Builder`] both
//! generate through it.

use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::model::Document;
use crate::output::{crate_files, CrateOptions, GeneratedFile};
use crate::pipeline::{generate_module, generate_roles, Module, Role};
use crate::spec::{load_file_with, LoadOptions, Loaded};

/// What a [`Generator`] reads and generates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Which side of the spec the generated code plays (default: the application).
    pub role: Role,
    /// How spec files are read: the `$ref` root and the size caps.
    pub load: LoadOptions,
}

/// AsyncAPI documents in, typed Rust modules and crates out.
#[derive(Clone, Debug, Default)]
pub struct Generator {
    settings: Settings,
}

impl Generator {
    /// A generator with `settings`.
    pub fn new(settings: Settings) -> Self {
        Generator { settings }
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Loads the spec at `path` (and the files it references) into the model, with located
    /// diagnostics.
    pub fn load(&self, path: &Path) -> Loaded {
        load_file_with(path, &self.settings.load)
    }

    /// [`Generator::load`], plus warnings for payload rules the generated code cannot enforce
    /// (what `mqttgen check` reports).
    pub fn check(&self, path: &Path) -> Loaded {
        crate::spec::check_file_with(path, &self.settings.load)
    }

    /// The generated module for the configured role: formatted source, the optional crates it
    /// uses and warnings. Fails with the error diagnostics when any stage reports an error.
    pub fn module(&self, doc: &Document) -> Result<Module, Vec<Diagnostic>> {
        generate_module(doc, self.settings.role)
    }

    /// One module holding several roles, each in a module of its own named by its `&str`, with
    /// the payload types generated once next to them (the configured role is not used).
    pub fn roles(&self, doc: &Document, roles: &[(Role, &str)]) -> Result<Module, Vec<Diagnostic>> {
        generate_roles(doc, roles)
    }

    /// The files of a whole crate around `module` (`Cargo.toml`, `README.md`, `src/lib.rs`, ...).
    pub fn crate_files(
        &self,
        doc: &Document,
        module: &Module,
        options: &CrateOptions,
    ) -> Result<Vec<GeneratedFile>, minijinja::Error> {
        crate_files(doc, &module.source, &module.dependencies, options)
    }
}
