//! A structural diff of two states through serde: which fields differ, as paths
//! with both values (`snakes[2].body[0][1]: 14 ≠ 15`). Works for any type that
//! serializes, with no per-game code.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many differing fields a diff lists by default.
pub const DEFAULT_FIELD_LIMIT: usize = 32;
/// Longest value text kept in a [`FieldDiff`] (longer values are cut, with `…`).
const VALUE_CHARS: usize = 120;

/// One field whose value differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// Where, from the state's root: `snakes[2].body[0][1]`.
    pub path: String,
    /// The value in the first state (compact JSON), or `<absent>`.
    pub a: String,
    /// The value in the second state.
    pub b: String,
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ≠ {}", self.path, self.a, self.b)
    }
}

/// The fields that differ between two states, in the order serde visits them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDiff {
    /// The first differing fields, at most the limit given.
    pub fields: Vec<FieldDiff>,
    /// How many more fields differ beyond those listed.
    pub more: usize,
}

impl StateDiff {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// A state could not be walked (its `Serialize` produced something JSON cannot
/// hold, such as a map keyed by a struct).
#[derive(Debug, thiserror::Error)]
#[error("the state cannot be diffed field by field: {0}")]
pub struct DiffError(String);

/// Lists the fields that differ between `a` and `b`, at most `limit` of them.
///
/// # Errors
///
/// [`DiffError`] if a state cannot be represented as a tree of fields.
pub fn diff_states<T: Serialize>(a: &T, b: &T, limit: usize) -> Result<StateDiff, DiffError> {
    let a = serde_json::to_value(a).map_err(|e| DiffError(e.to_string()))?;
    let b = serde_json::to_value(b).map_err(|e| DiffError(e.to_string()))?;
    let mut out = StateDiff::default();
    let mut path = String::new();
    walk(&a, &b, &mut path, limit, &mut out);
    Ok(out)
}

fn walk(a: &Value, b: &Value, path: &mut String, limit: usize, out: &mut StateDiff) {
    let mark = path.len();
    match (a, b) {
        (Value::Object(fa), Value::Object(fb)) => {
            for (key, va) in fa {
                push_key(path, key);
                match fb.get(key) {
                    Some(vb) => walk(va, vb, path, limit, out),
                    None => report(path, Some(va), None, limit, out),
                }
                path.truncate(mark);
            }
            for (key, vb) in fb.iter().filter(|(k, _)| !fa.contains_key(*k)) {
                push_key(path, key);
                report(path, None, Some(vb), limit, out);
                path.truncate(mark);
            }
        }
        (Value::Array(ea), Value::Array(eb)) => {
            for i in 0..ea.len().max(eb.len()) {
                path.push_str(&format!("[{i}]"));
                match (ea.get(i), eb.get(i)) {
                    (Some(va), Some(vb)) => walk(va, vb, path, limit, out),
                    (va, vb) => report(path, va, vb, limit, out),
                }
                path.truncate(mark);
            }
        }
        _ if a != b => report(path, Some(a), Some(b), limit, out),
        _ => {}
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

fn report(path: &str, a: Option<&Value>, b: Option<&Value>, limit: usize, out: &mut StateDiff) {
    if out.fields.len() >= limit {
        out.more += 1;
        return;
    }
    let text = |v: Option<&Value>| v.map_or_else(|| "<absent>".to_string(), short);
    out.fields.push(FieldDiff {
        path: if path.is_empty() {
            "(root)".into()
        } else {
            path.into()
        },
        a: text(a),
        b: text(b),
    });
}

fn short(v: &Value) -> String {
    let full = v.to_string();
    match full.char_indices().nth(VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &full[..cut]),
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Player {
        name: String,
        body: Vec<(i16, i16)>,
        respawn: Option<u64>,
    }

    #[derive(Serialize)]
    struct World {
        players: Vec<Player>,
        scores: BTreeMap<u64, u32>,
    }

    fn world() -> World {
        World {
            players: vec![
                Player {
                    name: "a".into(),
                    body: vec![(1, 2), (1, 3)],
                    respawn: None,
                },
                Player {
                    name: "b".into(),
                    body: vec![(5, 5)],
                    respawn: Some(9),
                },
            ],
            scores: BTreeMap::from([(1, 10), (2, 20)]),
        }
    }

    #[test]
    fn names_each_differing_leaf_by_its_path() {
        let a = world();
        let mut b = world();
        b.players[1].body[0].1 = 6;
        b.players[0].respawn = Some(4);
        b.scores.insert(3, 30);
        let diff = diff_states(&a, &b, 10).expect("diffs");
        let lines: Vec<String> = diff.fields.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "players[0].respawn: null ≠ 4",
                "players[1].body[0][1]: 5 ≠ 6",
                "scores.3: <absent> ≠ 30",
            ]
        );
        assert_eq!(diff.more, 0);
        assert!(diff_states(&a, &world(), 10).expect("diffs").is_empty());
    }

    #[test]
    fn a_huge_difference_is_capped_and_counted() {
        let a: Vec<u32> = (0..10_000).collect();
        let b: Vec<u32> = (1..10_001).collect();
        let diff = diff_states(&a, &b, 5).expect("diffs");
        assert_eq!(diff.fields.len(), 5);
        assert_eq!(diff.more, 9_995);
        let long_a = vec!["x".repeat(1000)];
        let long_b = vec!["y".repeat(1000)];
        let diff = diff_states(&long_a, &long_b, 5).expect("diffs");
        assert!(diff.fields[0].a.chars().count() <= VALUE_CHARS + 1);
    }
}
