//! Splits the bundled definitions into groups that typify can generate separately (one
//! `TypeSpace` each, on a thread each in the pipeline).
//!
//! A group is closed under `$ref`: definitions that refer to each other, directly or through
//! others, are always in the same group (connected components of the reference graph), so each
//! group's types are exactly what typify generates for them in one space. Names need no
//! coordination: the resolver and the pre-processor already gave every definition and every
//! inline type a name that is unique across the whole bundle.
//!
//! Components are dealt out largest first to the lightest group (weight: the number of JSON
//! nodes, which tracks how much code typify emits); within a group, definitions keep their
//! bundle order, and groups are ordered by their first definition. The same bundle always gives
//! the same groups.

use std::collections::HashMap;

use serde_json::Value;

use super::typify_engine::Definition;

/// The indices (into `definitions`) of each group, at most `groups` of them, none empty (one
/// empty group when there are no definitions).
pub fn partition(definitions: &[Definition], groups: usize) -> Vec<Vec<usize>> {
    let groups = groups.max(1);
    if groups == 1 || definitions.len() < 2 {
        return vec![(0..definitions.len()).collect()];
    }
    let components = components(definitions);
    let mut weighted: Vec<(usize, Vec<usize>)> = components
        .into_iter()
        .map(|members| {
            let weight = members
                .iter()
                .map(|&i| node_count(&definitions[i].schema))
                .sum();
            (weight, members)
        })
        .collect();
    // Heaviest first; ties by first member, so the deal is deterministic.
    weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1[0].cmp(&b.1[0])));
    let mut out: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new()); groups];
    for (weight, members) in weighted {
        let lightest = (0..groups)
            .min_by_key(|&g| (out[g].0, g))
            .expect("at least one group");
        out[lightest].0 += weight;
        out[lightest].1.extend(members);
    }
    let mut out: Vec<Vec<usize>> = out
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_unstable();
            members
        })
        .filter(|members| !members.is_empty())
        .collect();
    out.sort_by_key(|members| members[0]);
    out
}

/// The connected components of the reference graph, each sorted, ordered by first member.
fn components(definitions: &[Definition]) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = definitions
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..definitions.len()).collect();
    for (i, definition) in definitions.iter().enumerate() {
        let mut targets = Vec::new();
        references(&definition.schema, &mut targets);
        for target in targets {
            if let Some(&j) = index.get(target) {
                union(&mut parent, i, j);
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..definitions.len() {
        let root = find(&mut parent, i);
        by_root.entry(root).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
    out.sort_by_key(|members| members[0]);
    out
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find(parent, a), find(parent, b));
    if a != b {
        parent[a.max(b)] = a.min(b);
    }
}

/// The definition names `schema` refers to (`#/definitions/<name>`), at any depth.
fn references<'a>(schema: &'a Value, out: &mut Vec<&'a str>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    if let Some(name) = value
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/definitions/"))
                    {
                        out.push(name);
                    }
                } else {
                    references(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The number of JSON values in `schema`, itself included.
fn node_count(schema: &Value) -> usize {
    1 + match schema {
        Value::Object(map) => map.values().map(node_count).sum(),
        Value::Array(items) => items.iter().map(node_count).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(name: &str, schema: Value) -> Definition {
        Definition {
            name: name.into(),
            schema,
            node: None,
            origin: name.into(),
        }
    }

    fn reference(name: &str) -> Value {
        json!({"$ref": format!("#/definitions/{name}")})
    }

    #[test]
    fn definitions_that_refer_to_each_other_share_a_group() {
        let defs = vec![
            def("A", json!({"properties": {"b": reference("B")}})),
            def("C", json!({"type": "string"})),
            def("B", json!({"items": [reference("D")]})),
            def("D", json!({"type": "integer"})),
            def("E", json!({"oneOf": [reference("C")]})),
        ];
        let groups = partition(&defs, 2);
        assert_eq!(groups, vec![vec![0, 2, 3], vec![1, 4]]);
        for group in &groups {
            for &i in group {
                let mut targets = Vec::new();
                references(&defs[i].schema, &mut targets);
                for target in targets {
                    let j = defs.iter().position(|d| d.name == target).unwrap();
                    assert!(
                        group.contains(&j),
                        "{} refers outside its group",
                        defs[i].name
                    );
                }
            }
        }
    }

    #[test]
    fn components_are_dealt_to_the_lightest_group() {
        let big = json!({"properties": {"a": {}, "b": {}, "c": {}, "d": {}}});
        let defs = vec![
            def("Small1", json!({})),
            def("Big", big),
            def("Small2", json!({})),
            def("Small3", json!({})),
        ];
        // Big (6 nodes) alone; the three small ones (1 node each) together.
        assert_eq!(partition(&defs, 2), vec![vec![0, 2, 3], vec![1]]);
    }

    #[test]
    fn one_group_keeps_every_definition_in_order() {
        let defs = vec![def("A", json!({})), def("B", json!({}))];
        assert_eq!(partition(&defs, 1), vec![vec![0, 1]]);
        assert_eq!(partition(&[], 2), vec![Vec::<usize>::new()]);
        // A single component cannot be split.
        let linked = vec![def("A", reference("B")), def("B", json!({}))];
        assert_eq!(partition(&linked, 2), vec![vec![0, 1]]);
    }
}
