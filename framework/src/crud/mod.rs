//! A generic collection WorkSpace with Add / Patch / Drop commits: a shared,
//! ordered list of keyed items (think a shared book list or a lobby roster).
//!
//! Items keep the order in which their `Add` commits were sealed, so every peer
//! lists them in the same order. Each operation checks its own preconditions and
//! does nothing when they fail: adding a key that exists, patching or dropping a
//! key that does not. Lookups scan the list: meant for collections of up to a few
//! thousand items.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tickline::crud::{Collection, CollectionOp, Item};
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
//! struct Book { id: u32, title: String }
//!
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! enum BookField { Title(String) }
//!
//! impl Item for Book {
//!     type Key = u32;
//!     type Patch = BookField;
//!     fn key(&self) -> u32 { self.id }
//!     fn patch(&mut self, patch: &BookField) {
//!         match patch { BookField::Title(t) => self.title = t.clone() }
//!     }
//! }
//!
//! // The typed form of `Patch(nameof(Id), 2, nameof(Title), "Dune")`:
//! let op: CollectionOp<Book> = CollectionOp::Patch { key: 2, patch: BookField::Title("Dune".into()) };
//! # let _ = op;
//! ```

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::{Modification, TickCtx, WorkSpace};

/// An element of a [`Collection`]: it has a key and accepts typed field patches.
pub trait Item: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The key that identifies the item (unique in the collection).
    type Key: Ord + Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// One field change, usually an enum with a variant per field.
    type Patch: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The item's key.
    fn key(&self) -> Self::Key;

    /// Applies one field change. A patch that changes the key is undone if the new
    /// key is already taken.
    fn patch(&mut self, patch: &Self::Patch);
}

/// An ordered collection of keyed items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Collection<T: Item> {
    items: Vec<T>,
}

impl<T: Item> Default for Collection<T> {
    fn default() -> Self {
        Collection { items: Vec::new() }
    }
}

impl<T: Item> Collection<T> {
    /// A collection holding `items`; later duplicates of a key are left out.
    pub fn new(items: impl IntoIterator<Item = T>) -> Self {
        let mut c = Collection::default();
        for item in items {
            c.add(item);
        }
        c
    }

    /// The items in sealed order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item with `key`.
    pub fn get(&self, key: &T::Key) -> Option<&T> {
        self.items.iter().find(|i| i.key() == *key)
    }

    fn position(&self, key: &T::Key) -> Option<usize> {
        self.items.iter().position(|i| i.key() == *key)
    }

    fn add(&mut self, item: T) -> bool {
        if self.position(&item.key()).is_some() {
            return false;
        }
        self.items.push(item);
        true
    }
}

impl<T: Item> WorkSpace for Collection<T> {}

/// A change to a [`Collection`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum CollectionOp<T: Item> {
    /// Appends an item (ignored if its key exists).
    Add(T),
    /// Changes one field of the item with `key` (ignored if there is none).
    Patch {
        /// Which item.
        key: T::Key,
        /// The field change.
        patch: T::Patch,
    },
    /// Removes the item with `key` (ignored if there is none).
    Drop {
        /// Which item.
        key: T::Key,
    },
}

impl<T: Item> Modification<Collection<T>> for CollectionOp<T> {
    fn apply(&self, ws: &mut Collection<T>, _ctx: &mut TickCtx) {
        match self {
            CollectionOp::Add(item) => {
                ws.add(item.clone());
            }
            CollectionOp::Patch { key, patch } => {
                let Some(at) = ws.position(key) else { return };
                let before = ws.items[at].clone();
                ws.items[at].patch(patch);
                let new_key = ws.items[at].key();
                let clash =
                    new_key != *key && ws.items.iter().filter(|i| i.key() == new_key).count() > 1;
                if clash {
                    ws.items[at] = before;
                }
            }
            CollectionOp::Drop { key } => {
                if let Some(at) = ws.position(key) {
                    ws.items.remove(at);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
