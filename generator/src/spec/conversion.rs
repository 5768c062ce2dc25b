//! Schema nodes turned into the model's JSON values, every `$ref` rewritten to its target's
//! canonical id. A conversion reads only the files, so the schemas of a document can be
//! converted on several threads ([`convert_all`]); what it finds (the `$ref` targets met, in
//! order, and diagnostics) is handed back to the builder, which queues the targets.

use crate::diagnostics::Diagnostic;
use crate::model::{NodeId, SchemaId};
use crate::reader::refs::Files;
use crate::reader::yaml::{Node, Value};

/// True for keys inside a schema whose values are data, not schemas (their `$ref` keys are left
/// alone). A `match` (compiled to a length switch) rather than a list scan: every key of every
/// schema is asked.
fn is_data_keyword(key: &str) -> bool {
    matches!(
        key,
        "const" | "enum" | "default" | "examples" | "example" | "x-examples"
    )
}

/// True for keys inside a schema whose values are maps of names to schemas (their keys are names).
fn is_name_map(key: &str) -> bool {
    matches!(
        key,
        "properties"
            | "patternProperties"
            | "definitions"
            | "$defs"
            | "dependencies"
            | "dependentSchemas"
            | "dependentRequired"
    )
}

/// `id` as its [`NodeId`] `Display` text (`file#pointer`), written without the formatting
/// machinery: every `$ref` inside every schema is rewritten to it.
fn canonical_text(id: &NodeId) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut file = id.file;
    loop {
        at -= 1;
        // `file % 10` is below 10: the cast cannot truncate.
        digits[at] = b'0' + (file % 10) as u8;
        file /= 10;
        if file == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(digits.len() - at + 1 + id.pointer.len());
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
    out.push('#');
    out.push_str(&id.pointer);
    out
}

/// Below this many schemas in a round, [`convert_all`] stays on the calling thread.
const PARALLEL_SCHEMAS: usize = 256;

/// A converted schema and what its conversion found.
pub type Converted<'a> = (serde_json::Value, Conversion<'a>);

/// Every schema of `round` converted, in order, a large round in slices on several threads.
/// Conversions are independent of each other, so the result is the same as converting them one
/// after another.
pub fn convert_all<'a>(
    files: &'a Files,
    asyncapi_dialect: bool,
    round: &[(SchemaId, &'a Node)],
) -> Vec<Converted<'a>> {
    crate::parallel::map_slices(round.len(), PARALLEL_SCHEMAS, "mqttgen-schemas", |range| {
        round[range]
            .iter()
            .map(|(_, node)| {
                let mut conversion = Conversion::new(files, asyncapi_dialect);
                (conversion.value(node), conversion)
            })
            .collect()
    })
}

/// One schema's conversion: what it needs (the files, the dialect) and what it found.
pub struct Conversion<'a> {
    files: &'a Files,
    /// False while converting a schema in an OpenAPI format (where `discriminator` is an object).
    asyncapi_dialect: bool,
    /// The `$ref` targets met, in the order met (the builder queues them).
    pub targets: Vec<(SchemaId, &'a Node)>,
    /// Findings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Conversion<'a> {
    /// A conversion reading `files`.
    pub fn new(files: &'a Files, asyncapi_dialect: bool) -> Self {
        Conversion {
            files,
            asyncapi_dialect,
            targets: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The schema at `node` with every `$ref` rewritten to its canonical id.
    pub fn value(&mut self, node: &'a Node) -> serde_json::Value {
        self.value_in(node, false)
    }

    /// [`Conversion::value`]; `names` is true for a map whose keys are names, not keywords
    /// (the value of `properties`, `definitions`, ...).
    fn value_in(&mut self, node: &'a Node, names: bool) -> serde_json::Value {
        match &node.value {
            Value::Map(entries) => {
                let mut object = serde_json::Map::with_capacity(entries.len());
                for entry in entries {
                    let value = if entry.key == "$ref" {
                        match entry.value.as_str() {
                            Some(reference) => self.schema_ref(node, &entry.value, reference),
                            // A property named `$ref` (`properties: {$ref: {...}}`): a schema.
                            None => self.value(&entry.value),
                        }
                    } else if entry.key == "discriminator" {
                        if self.asyncapi_dialect && entry.value.as_str().is_none() {
                            self.error_at(
                                &entry.value,
                                "schema-discriminator",
                                format!(
                                    "in an AsyncAPI schema `discriminator` is a property name (a string), not {}",
                                    entry.value.kind()
                                ),
                            );
                        }
                        entry.value.to_json()
                    } else if is_data_keyword(&entry.key) {
                        entry.value.to_json()
                    } else if let (false, true, Some(pattern)) =
                        (names, entry.key == "pattern", entry.value.as_str())
                    {
                        self.check_pattern(&entry.value, pattern);
                        entry.value.to_json()
                    } else {
                        let holds_names = !names && is_name_map(&entry.key);
                        self.value_in(&entry.value, holds_names)
                    };
                    object.insert(entry.key.clone(), value);
                }
                serde_json::Value::Object(object)
            }
            Value::Seq(items) => items.iter().map(|i| self.value_in(i, false)).collect(),
            _ => node.to_json(),
        }
    }

    /// Warns about a `pattern` that only a backtracking engine can run and whose repeated
    /// groups hold repetitions: its matching time can grow exponentially with the input.
    fn check_pattern(&mut self, at: &Node, pattern: &str) {
        use crate::types::patterns::{classify, Engine};
        if let Engine::Backtracking {
            why,
            nested_quantifiers: true,
        } = classify(pattern)
        {
            let id = self.files.id(at);
            self.diagnostics.push(
                Diagnostic::warning(
                    "schema-pattern-backtracking",
                    Some(id),
                    format!(
                        "pattern `{pattern}` uses {why}, so it runs on a backtracking engine, and \
                         it repeats a group that holds a repetition: checking a hostile string \
                         can take exponential time (inputs are cut at `maxLength`, else at the \
                         generated `patterns::input_limit()`)"
                    ),
                )
                .with_help(
                    "drop the backreference or lookaround so the pattern runs in linear time, \
                     or remove the nested repetition, and set a small `maxLength`",
                ),
            );
        }
    }

    fn schema_ref(&mut self, holder: &'a Node, at: &Node, reference: &str) -> serde_json::Value {
        match self.files.resolve(holder, reference) {
            Ok(target) => {
                let id = self.files.id(target);
                let canonical = canonical_text(&id);
                self.targets.push((id, target));
                serde_json::Value::String(canonical)
            }
            Err(mut diagnostic) => {
                // Placed at the `$ref` when it has no place yet, as the builder's `report_at`.
                if diagnostic.node.is_none() && diagnostic.location.is_none() {
                    diagnostic.node = Some(self.files.id(at));
                }
                self.diagnostics.push(diagnostic);
                serde_json::Value::String(reference.to_string())
            }
        }
    }

    /// Records an error at `node`.
    fn error_at(&mut self, node: &Node, code: &'static str, message: String) {
        let id = self.files.id(node);
        self.diagnostics
            .push(Diagnostic::error(code, Some(id), message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeId;

    #[test]
    fn canonical_text_is_the_display_text() {
        for (file, pointer) in [
            (0, "/components/schemas/a~1b"),
            (7, ""),
            (10, "/x"),
            (123_456, "/y/0"),
            (usize::MAX, "/z"),
        ] {
            let id = NodeId {
                file,
                pointer: pointer.to_string(),
            };
            assert_eq!(canonical_text(&id), id.to_string());
        }
    }
}
