//! The one code path from a loaded document to a generated module: payload types, then service code,
//! formatted. The CLI's crate output and build.rs's `OUT_DIR` file both come from [`generate_module`].

use crate::diagnostics::Diagnostic;
use crate::model::Document;
use crate::output::Dependency;
use crate::printing;
use crate::service::{generate_service, ServiceSettings};
use crate::types::{name_types, CrateUses, MessageTypes, SharedParts, TypePlan, TypeSettings};

pub use crate::service::Role;

/// A generated module: formatted source plus what it needs.
#[derive(Debug, Clone)]
pub struct Module {
    /// Formatted Rust source (no header, no inner attributes at its top, so it can be `include!`d).
    pub source: String,
    /// Crates the source uses besides `mqttgen`.
    pub dependencies: Vec<Dependency>,
    /// Warnings found while generating.
    pub diagnostics: Vec<Diagnostic>,
}

/// Generates the module for `role`: `pub mod types` (payloads and headers), `pub mod service`
/// (topic parameters, message enums, handler trait, publisher, servers) re-exported at the top.
/// Fails with the error diagnostics when any stage reports an error.
///
/// The parts — payload types (typify, the largest; in several groups for large specs, see
/// [`crate::types::groups`]), service code and `asyncapi()` — are generated and printed on their
/// own threads (syntax trees cannot cross threads; their texts can, see [`crate::printing`]);
/// the texts are joined in a fixed order, so the output is the same bytes as printing the whole
/// module at once.
pub fn generate_module(doc: &Document, role: Role) -> Result<Module, Vec<Diagnostic>> {
    generate_module_with(doc, role, &TypeSettings::default())
}

/// Channels whose address is valid AsyncAPI (`check` warns) but no MQTT topic: `#` before the
/// last level, or unbalanced `{` `}` that no topic parameter can be made from.
fn unusable_addresses(doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for channel in &doc.channels {
        let Some(address) = &channel.address else {
            continue;
        };
        let (_, issues) = mqttgen_address::parse(&address.raw);
        for issue in issues.iter().filter(|issue| {
            issue.is_error && matches!(issue.code, "address-wildcard" | "address-braces")
        }) {
            out.push(Diagnostic::error(
                issue.code,
                None,
                format!("channel `{}`: {}; no MQTT subscription or topic parameters can be made from it", channel.id, issue.message),
            ));
        }
    }
    out
}

/// Servers whose host or pathname uses a `{variable}` they do not declare (valid AsyncAPI 3.x,
/// `check` warns): no URL can be made for them.
fn unusable_servers(doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for server in &doc.servers {
        let texts = std::iter::once(server.host.as_str()).chain(server.pathname.as_deref());
        for name in texts.flat_map(crate::spec::braced_names) {
            if !server.variables.iter().any(|v| v.name == name) {
                out.push(Diagnostic::error(
                    "server-variable-undeclared",
                    Some(server.node.clone()),
                    format!(
                        "server `{}`: variable `{{{name}}}` is used but not declared in `variables`; no URL can be made for it",
                        server.name
                    ),
                ));
            }
        }
    }
    out
}

/// Generates one module holding several roles, each in its own module named as given, with the
/// payload types generated once: `pub mod types`, then per role `pub mod {name}` with
/// `pub use super::types;`, its service code and `asyncapi()`. So `app::types::X` and
/// `client::types::X` are the same type (the quick start's service and lamp simulator exchange
/// the same values).
pub fn generate_roles(doc: &Document, roles: &[(Role, &str)]) -> Result<Module, Vec<Diagnostic>> {
    let mut source = String::new();
    let mut dependencies = Vec::new();
    let mut diagnostics = Vec::new();
    for (index, (role, name)) in roles.iter().enumerate() {
        let parts = generate_parts(doc, *role, &TypeSettings::default())?;
        if index == 0 {
            source.push_str(&parts.types);
            dependencies = parts.dependencies;
            diagnostics.extend(parts.diagnostics);
        } else {
            // The types and their diagnostics are the same for every role.
            for diagnostic in parts.diagnostics {
                if !diagnostics.contains(&diagnostic) {
                    diagnostics.push(diagnostic);
                }
            }
        }
        let head = printing::module_head(
            &format!(" The `{}` side of the spec.", role_label(*role)),
            name,
            Vec::new(),
        );
        source.push_str(&head);
        source.push_str(&printing::module_items(vec![syn::parse_quote!(
            pub use super::types;
        )]));
        source.push_str(&parts.service);
        source.push_str(&parts.asyncapi);
        source.push_str(printing::MODULE_END);
    }
    Ok(Module {
        source,
        dependencies,
        diagnostics,
    })
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::App => "app",
        Role::Client => "client",
    }
}

/// [`generate_module`] with explicit type settings (tests force several typify groups on
/// small specs with them).
fn generate_module_with(
    doc: &Document,
    role: Role,
    settings: &TypeSettings,
) -> Result<Module, Vec<Diagnostic>> {
    let parts = generate_parts(doc, role, settings)?;
    Ok(Module {
        source: parts.types + &parts.service + &parts.asyncapi,
        dependencies: parts.dependencies,
        diagnostics: parts.diagnostics,
    })
}

/// The printed parts of a module: payload types, service code (`pub mod service` and its
/// re-export) and `asyncapi()`.
struct Parts {
    types: String,
    service: String,
    asyncapi: String,
    dependencies: Vec<Dependency>,
    diagnostics: Vec<Diagnostic>,
}

fn generate_parts(
    doc: &Document,
    role: Role,
    settings: &TypeSettings,
) -> Result<Parts, Vec<Diagnostic>> {
    let mut unusable = unusable_addresses(doc);
    unusable.extend(unusable_servers(doc));
    if !unusable.is_empty() {
        return Err(unusable);
    }
    // The service code needs only the types' names; the types thread pre-processes the
    // schemas while this one generates the service code.
    let names = name_types(doc);
    let messages = names.messages();
    let (types_part, service, asyncapi_source) = std::thread::scope(|scope| {
        let asyncapi_thread = scope.spawn(|| asyncapi_part(doc));
        let types_thread = scope.spawn(move || types_part(doc, &names.plan(doc), settings));
        let service = service_part(doc, &messages, role);
        let types_part = join(types_thread);
        (types_part, service, join(asyncapi_thread))
    });
    let (types_part, uses, untyped) = types_part?;
    // A payload type that fell back to `serde_json::Value` accepts any JSON: message selection
    // must try it after the typed ones, which only the finished types can tell (rare: the
    // service code is generated again then).
    let shares_a_set = |index: usize| {
        doc.operations.iter().any(|op| {
            let reply = op
                .reply
                .as_ref()
                .map_or(&[][..], |reply| &reply.messages[..]);
            [&op.messages[..], reply]
                .iter()
                .any(|set| set.len() > 1 && set.contains(&index))
        })
    };
    let redo = (0..untyped.len()).any(|index| untyped[index] && shares_a_set(index));
    let service_part = if redo {
        let mut typed = messages.clone();
        for (message, untyped) in typed.iter_mut().zip(untyped) {
            message.untyped = untyped;
        }
        service_part(doc, &typed, role)
    } else {
        service
    }?;
    let asyncapi_source = asyncapi_source?;
    let mut diagnostics = types_part.diagnostics;
    diagnostics.extend(service_part.diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect());
    }
    let dependencies = uses
        .dependencies()
        .iter()
        .map(|d| Dependency::new(d.name, d.toml_value()))
        .collect();
    Ok(Parts {
        types: types_part.source,
        service: service_part.source,
        asyncapi: asyncapi_source,
        dependencies,
        diagnostics,
    })
}

/// The result of a thread, its panic passed on.
fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// One printed part of the module, with what generating it found.
struct Part {
    source: String,
    diagnostics: Vec<Diagnostic>,
}

fn invalid_rust(error: syn::Error) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "codegen-invalid-rust",
        None,
        format!(
            "mqttgen generated Rust that does not parse ({error}); please report this with the spec"
        ),
    )]
}

/// `pub mod types { ... }`, printed, and the optional crates it uses. typify runs once per group
/// of definitions (see [`crate::types::groups`]), each group on its own thread, printed there; the
/// shared modules and the example tests follow, printed here.
fn types_part(
    doc: &Document,
    plan: &TypePlan,
    settings: &TypeSettings,
) -> Result<(Part, CrateUses, Vec<bool>), Vec<Diagnostic>> {
    let groups = plan.groups(settings);
    let printed = print_groups(plan, &groups);
    let mut diagnostics = plan.diagnostics().to_vec();
    let mut uses = CrateUses::default();
    let mut source = printing::module_head(
        &format!(
            " Payload and header types of {}.",
            crate::markdown::single_line(&doc.info.title)
        ),
        "types",
        crate::types::module_attributes(),
    );
    let mut shared = Vec::new();
    let mut fallbacks = std::collections::BTreeSet::new();
    for group in printed {
        fallbacks.extend(group.fallbacks);
        source.push_str(&group.source);
        diagnostics.extend(group.diagnostics);
        uses = uses.union(group.uses);
        shared.push(group.shared);
    }
    let (examples, example_warnings) = plan.example_tests(doc, settings, uses);
    diagnostics.extend(example_warnings);
    let examples = syn::parse2::<syn::File>(examples).map_err(invalid_rust)?;
    let mut tail = plan.shared_items(&shared).map_err(invalid_rust)?;
    tail.extend(examples.items);
    source.push_str(&printing::module_items(tail));
    source.push_str(printing::MODULE_END);
    Ok((
        Part {
            source,
            diagnostics,
        },
        uses,
        plan.messages_after(&fallbacks)
            .iter()
            .map(|message| message.untyped)
            .collect(),
    ))
}

/// One group's types, printed as items of the types module, and what it adds to the rest.
struct PrintedGroup {
    source: String,
    shared: SharedParts,
    uses: CrateUses,
    diagnostics: Vec<Diagnostic>,
    fallbacks: Vec<String>,
}

/// Threads that generate type groups: each takes the next group until none is left, so at most
/// this many groups' syntax trees exist at once.
const TYPE_THREADS: usize = 2;

/// Every group generated and printed, in group order, on up to [`TYPE_THREADS`] threads.
fn print_groups(plan: &TypePlan, groups: &[Vec<usize>]) -> Vec<PrintedGroup> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(group) = groups.get(index) else {
                return done;
            };
            done.push((index, print_group(plan, group)));
        }
    };
    let mut printed: Vec<(usize, PrintedGroup)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..TYPE_THREADS.min(groups.len()))
            .map(|_| scope.spawn(work))
            .collect();
        let mut printed = work();
        for helper in helpers {
            printed.extend(join(helper));
        }
        printed
    });
    printed.sort_by_key(|(index, _)| *index);
    printed.into_iter().map(|(_, group)| group).collect()
}

fn print_group(plan: &TypePlan, group: &[usize]) -> PrintedGroup {
    let types = plan.generate_group(group);
    PrintedGroup {
        source: printing::module_items(types.items),
        shared: types.shared,
        uses: types.uses,
        diagnostics: types.diagnostics,
        fallbacks: types.fallbacks,
    }
}

/// `pub fn asyncapi()`, printed.
fn asyncapi_part(doc: &Document) -> Result<String, Vec<Diagnostic>> {
    let asyncapi_fn: syn::Item =
        syn::parse2(crate::asyncapi_doc::generate_asyncapi_fn(doc)).map_err(invalid_rust)?;
    Ok(printing::print(vec![asyncapi_fn]))
}

/// `pub mod service { ... }` and `pub use service::*;`, printed. The service code comes in pieces
/// of whole items; they are parsed and printed a few at a time, so the syntax trees of a large
/// module never exist all at once (their memory is most of what generating costs).
fn service_part(
    doc: &Document,
    messages: &[MessageTypes],
    role: Role,
) -> Result<Part, Vec<Diagnostic>> {
    /// Items printed together: few enough to keep memory small, enough to amortise each print.
    const ITEMS_PER_PRINT: usize = 64;
    let service = generate_service(doc, messages, &ServiceSettings::for_role(role));
    let mut source = printing::module_head(
        " Topic parameters, messages, the handler trait, the publisher and server presets.",
        "service",
        crate::markdown::spec_text_lints(),
    );
    let mut items = Vec::new();
    for piece in service.pieces {
        items.extend(syn::parse2::<syn::File>(piece).map_err(invalid_rust)?.items);
        if items.len() >= ITEMS_PER_PRINT {
            source.push_str(&printing::module_items(std::mem::take(&mut items)));
        }
    }
    source.push_str(&printing::module_items(items));
    source.push_str(printing::MODULE_END);
    source.push_str(&printing::print(vec![syn::parse_quote!(
        pub use service::*;
    )]));
    Ok(Part {
        source,
        diagnostics: service.diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_in_one_module_share_the_types() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let doc = crate::spec::load_file(&root.join("specs/streetlights.yaml"))
            .document
            .expect("our spec loads");
        let module = generate_roles(&doc, &[(Role::App, "app"), (Role::Client, "lamp")]).unwrap();
        let text = &module.source;
        assert_eq!(text.matches("pub mod types {").count(), 1, "{text}");
        assert_eq!(text.matches("pub use super::types;").count(), 2, "{text}");
        assert!(text.contains("pub mod app {") && text.contains("pub mod lamp {"));
        assert_eq!(text.matches("pub struct LightMeasuredPayload").count(), 1);
        syn::parse_file(text).expect("the module parses");
    }

    /// `#[doc = doc] pub mod name { body }`, with the body's inner attributes inside the braces.
    fn module(doc: &str, name: &str, body: syn::File) -> syn::Item {
        let mut item = printing::module(doc, name, body.items);
        if let syn::Item::Mod(module) = &mut item {
            module.attrs.extend(body.attrs);
        }
        item
    }

    /// The module printed at once, as one syntax tree.
    fn printed_at_once(doc: &Document, role: Role, settings: &TypeSettings) -> String {
        let plan = crate::types::plan_types(doc);
        let types = plan.generate(doc, settings);
        let mut body = types.file;
        body.items
            .extend(syn::parse2::<syn::File>(types.example_tests).unwrap().items);
        let title = format!(
            " Payload and header types of {}.",
            crate::markdown::single_line(&doc.info.title)
        );
        let service = generate_service(doc, &plan.messages(), &ServiceSettings::for_role(role));
        let mut service_body: syn::File = syn::parse2(service.tokens()).unwrap();
        service_body
            .attrs
            .extend(crate::markdown::spec_text_lints());
        printing::print(vec![
            module(&title, "types", body),
            module(
                " Topic parameters, messages, the handler trait, the publisher and server presets.",
                "service",
                service_body,
            ),
            syn::parse_quote!(
                pub use service::*;
            ),
            syn::parse2(crate::asyncapi_doc::generate_asyncapi_fn(doc)).unwrap(),
        ])
    }

    #[test]
    fn the_parts_printed_on_several_threads_join_into_the_same_bytes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for spec in [
            "specs/streetlights.yaml",
            "specs/device-config.yaml",
            "specs/payload-types.yaml",
        ] {
            let loaded = crate::spec::load_file(&root.join(spec));
            let doc = loaded.document.expect("our specs load");
            // The default settings (one typify group for these small specs), and one group per
            // definition (up to the maximum), generated on two threads.
            let in_groups = TypeSettings {
                group_size: 1,
                ..TypeSettings::default()
            };
            for (role, settings) in [
                (Role::App, TypeSettings::default()),
                (Role::Client, TypeSettings::default()),
                (Role::App, in_groups),
            ] {
                let module = generate_module_with(&doc, role, &settings).expect("generates");
                let at_once = printed_at_once(&doc, role, &settings);
                if module.source != at_once {
                    let first = module
                        .source
                        .lines()
                        .zip(at_once.lines())
                        .position(|(a, b)| a != b);
                    panic!(
                        "{spec} ({role:?}): the outputs differ from line {:?}:\n{:?}\n{:?}\n(lengths {} and {})",
                        first.map(|l| l + 1),
                        first.and_then(|l| module.source.lines().nth(l)),
                        first.and_then(|l| at_once.lines().nth(l)),
                        module.source.len(),
                        at_once.len(),
                    );
                }
            }
        }
    }
}
