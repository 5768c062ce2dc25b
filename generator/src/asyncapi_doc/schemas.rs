//! Names for the model's referenced schemas in `components/schemas`, and rewriting canonical
//! `$ref`s (`"0#/components/schemas/Foo"`) into `#/components/schemas/<name>`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{Document, SchemaId};

/// A unique, export-safe (`[A-Za-z0-9._-]`) name for every schema in [`Document::schemas`].
///
/// Component schemas of the entry file are named first, after their key; every other schema
/// (in other files, or deep inside a schema) after its `name_hint`, with `_2`, `_3`... when taken.
/// The order only depends on the model, so names are deterministic.
#[derive(Debug, Default)]
pub struct SchemaNames {
    names: BTreeMap<SchemaId, String>,
}

impl SchemaNames {
    /// Names every schema of `doc`.
    pub fn new(doc: &Document) -> SchemaNames {
        let mut ids: Vec<&SchemaId> = doc.schemas.keys().collect();
        ids.sort_by_key(|id| (!is_entry_component(id), *id));
        let mut taken = BTreeSet::new();
        let mut names = BTreeMap::new();
        for id in ids {
            let hint = &doc.schemas[id].name_hint;
            let wanted = sanitize(hint);
            let mut name = wanted.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{wanted}_{n}");
                n += 1;
            }
            names.insert(id.clone(), name);
        }
        SchemaNames { names }
    }

    /// The name given to `id`, if it is a known schema.
    pub fn name(&self, id: &SchemaId) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    /// Every schema id with its name, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&SchemaId, &str)> {
        self.names.iter().map(|(id, name)| (id, name.as_str()))
    }

    /// `value` with every canonical `$ref` pointing at its named component schema, and without a
    /// root `definitions` (its referenced members are named schemas of their own; leaving it
    /// would make the exporter move them into `components/schemas` a second time).
    pub fn export_value(&self, value: &Value) -> Value {
        let mut value = value.clone();
        if let Value::Object(map) = &mut value {
            map.remove("definitions");
        }
        self.rewrite_refs(&mut value);
        value
    }

    /// A `{"$ref": "#/components/schemas/<name>"}` for a named schema.
    pub fn reference(&self, id: &SchemaId) -> Option<Value> {
        let name = self.name(id)?;
        Some(serde_json::json!({ "$ref": format!("#/components/schemas/{name}") }))
    }

    fn rewrite_refs(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let target = (key == "$ref")
                        .then(|| child.as_str().and_then(SchemaId::parse))
                        .flatten()
                        .and_then(|id| self.reference(&id));
                    match target {
                        Some(Value::Object(mut r)) => *child = r.remove("$ref").unwrap_or_default(),
                        _ => self.rewrite_refs(child),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.rewrite_refs(item)),
            _ => {}
        }
    }
}

/// True for `components/schemas/<key>` of the entry document.
fn is_entry_component(id: &SchemaId) -> bool {
    id.file == 0
        && id
            .pointer
            .strip_prefix("/components/schemas/")
            .is_some_and(|key| !key.contains('/'))
}

/// The exporter's key rule (`[A-Za-z0-9._-]`, [`mqttgen_asyncapi::names::sanitize`]); an empty
/// name becomes `schema`.
pub fn sanitize(text: &str) -> String {
    if text.is_empty() {
        "schema".to_owned()
    } else {
        mqttgen_asyncapi::names::sanitize(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;
    use serde_json::json;

    fn schema(hint: &str, value: Value) -> Schema {
        Schema {
            name_hint: hint.into(),
            value,
        }
    }

    #[test]
    fn components_keep_their_key_and_others_get_unique_names() {
        let mut doc = Document::default();
        let id = |file, pointer: &str| SchemaId {
            file,
            pointer: pointer.into(),
        };
        doc.schemas
            .insert(id(1, "/Position"), schema("Position", json!({})));
        doc.schemas.insert(
            id(0, "/components/schemas/Position"),
            schema("Position", json!({"$ref": "1#/Position"})),
        );
        doc.schemas.insert(id(2, ""), schema("a b", json!({})));
        let names = SchemaNames::new(&doc);
        assert_eq!(
            names.name(&id(0, "/components/schemas/Position")),
            Some("Position")
        );
        assert_eq!(names.name(&id(1, "/Position")), Some("Position_2"));
        assert_eq!(names.name(&id(2, "")), Some("a_b"));
        let exported = names.export_value(&json!({
            "definitions": {"x": {}},
            "items": [{"$ref": "1#/Position"}, {"$ref": "https://elsewhere"}]
        }));
        assert_eq!(
            exported,
            json!({"items": [
                {"$ref": "#/components/schemas/Position_2"},
                {"$ref": "https://elsewhere"}
            ]})
        );
    }
}
