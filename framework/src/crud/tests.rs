use serde::{Deserialize, Serialize};

use crate::model::{PeerId, Tick};

use super::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tag {
    id: u8,
    label: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum TagField {
    Id(u8),
    Label(String),
}

impl Item for Tag {
    type Key = u8;
    type Patch = TagField;
    fn key(&self) -> u8 {
        self.id
    }
    fn patch(&mut self, patch: &TagField) {
        match patch {
            TagField::Id(id) => self.id = *id,
            TagField::Label(l) => self.label = l.clone(),
        }
    }
}

fn tag(id: u8, label: &str) -> Tag {
    Tag {
        id,
        label: label.into(),
    }
}

fn apply(c: &mut Collection<Tag>, op: CollectionOp<Tag>) {
    op.apply(c, &mut TickCtx::new(0, Tick(1), PeerId(1), 1));
}

#[test]
fn add_keeps_order_and_refuses_duplicate_keys() {
    let mut c = Collection::new([tag(1, "a"), tag(2, "b"), tag(1, "dup")]);
    assert_eq!(c.len(), 2);
    apply(&mut c, CollectionOp::Add(tag(3, "c")));
    apply(&mut c, CollectionOp::Add(tag(2, "again")));
    let ids: Vec<u8> = c.items().iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(c.get(&2).map(|t| t.label.as_str()), Some("b"));
}

#[test]
fn patch_changes_one_field_and_ignores_missing_keys() {
    let mut c = Collection::new([tag(1, "a"), tag(2, "b")]);
    apply(
        &mut c,
        CollectionOp::Patch {
            key: 2,
            patch: TagField::Label("B".into()),
        },
    );
    apply(
        &mut c,
        CollectionOp::Patch {
            key: 9,
            patch: TagField::Label("x".into()),
        },
    );
    assert_eq!(c.items(), &[tag(1, "a"), tag(2, "B")]);
}

#[test]
fn a_patch_to_a_taken_key_is_undone() {
    let mut c = Collection::new([tag(1, "a"), tag(2, "b")]);
    apply(
        &mut c,
        CollectionOp::Patch {
            key: 2,
            patch: TagField::Id(1),
        },
    );
    assert_eq!(c.items(), &[tag(1, "a"), tag(2, "b")]);
    apply(
        &mut c,
        CollectionOp::Patch {
            key: 2,
            patch: TagField::Id(5),
        },
    );
    assert_eq!(c.items(), &[tag(1, "a"), tag(5, "b")]);
}

#[test]
fn drop_removes_only_the_keyed_item() {
    let mut c = Collection::new([tag(1, "a"), tag(2, "b"), tag(3, "c")]);
    apply(&mut c, CollectionOp::Drop { key: 2 });
    apply(&mut c, CollectionOp::Drop { key: 2 });
    assert_eq!(c.items(), &[tag(1, "a"), tag(3, "c")]);
    assert!(!c.is_empty());
}
