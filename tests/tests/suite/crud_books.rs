//! The Book example of a shared collection: two peers start with books 1 and 2,
//! each adds three books while the other's commits are delayed, and both end with
//! the same books in the same order; then a patch and a drop.

use serde::{Deserialize, Serialize};
use tickline::crud::{Collection, CollectionOp, Item};
use tickline::model::{Game, PeerId, SealedTick, Tick};
use tickline::timeline::{Sequencer, SequencerConfig, Timeline, TimelineConfig};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Book {
    id: u32,
    title: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum BookField {
    Title(String),
}

impl Item for Book {
    type Key = u32;
    type Patch = BookField;
    fn key(&self) -> u32 {
        self.id
    }
    fn patch(&mut self, patch: &BookField) {
        match patch {
            BookField::Title(title) => self.title = title.clone(),
        }
    }
}

type Books = Collection<Book>;

/// A shared library: the collection is the state, its operations the moves.
struct Library;

impl Game for Library {
    type State = Books;
    type Move = CollectionOp<Book>;
    const ID: &'static str = "library";
}

type Peer = Timeline<Library>;

fn book(id: u32, title: &str) -> Book {
    Book {
        id,
        title: title.into(),
    }
}

fn titles(peer: &Peer) -> Vec<(u32, String)> {
    peer.state()
        .items()
        .iter()
        .map(|b| (b.id, b.title.clone()))
        .collect()
}

#[test]
fn two_peers_with_delayed_commits_end_with_the_same_books() {
    let genesis = Collection::new([book(1, "Dune"), book(2, "Emma")]);
    let config = TimelineConfig {
        max_prediction: 64,
        ..TimelineConfig::default()
    };
    let mut a: Peer = Timeline::new(PeerId(1), genesis.clone(), 1, config.clone()).expect("config");
    let mut b: Peer = Timeline::new(PeerId(2), genesis, 1, config).expect("config");
    let mut host = Sequencer::new(SequencerConfig::default(), Tick(0));
    let mut delayed_b = Vec::new();
    let mut log: Vec<SealedTick<CollectionOp<Book>>> = Vec::new();

    // Each adds three books; A's reach the host at once, B's are held back.
    for (i, (ta, tb)) in [
        ("Ulysses", "Walden"),
        ("Hamlet", "Ivanhoe"),
        ("Beloved", "Rebecca"),
    ]
    .iter()
    .enumerate()
    {
        let i = i as u32;
        a.commit(CollectionOp::Add(book(3 + i, ta)));
        b.commit(CollectionOp::Add(book(6 + i, tb)));
        a.advance().expect("window");
        b.advance().expect("window");
        for c in a.take_outgoing() {
            host.accept(c).expect("in range");
        }
        delayed_b.extend(b.take_outgoing());
    }
    // Two more ticks bring the last commits (input delay 2) into the prediction:
    // each sees its own five books; neither has seen the other's yet.
    for _ in 0..2 {
        a.advance().expect("window");
        b.advance().expect("window");
    }
    assert_eq!(a.state().len(), 5);
    assert_eq!(b.state().len(), 5);
    log.extend(host.seal_through(Tick(6)));
    // B's commits arrive late: their ticks are sealed, so they are re-stamped.
    for c in delayed_b {
        host.accept(c).expect("in range");
    }
    log.extend(host.seal_through(Tick(8)));
    for peer in [&mut a, &mut b] {
        for st in log.clone() {
            peer.receive_sealed(st).expect("valid");
        }
    }
    assert_eq!(a.state().len(), 8);
    assert_eq!(titles(&a), titles(&b), "same books in the same order");
    let ids: Vec<u32> = a.state().items().iter().map(|b| b.id).collect();
    assert_eq!(
        ids,
        vec![1, 2, 3, 4, 5, 6, 7, 8],
        "sealed order: A's were sealed first"
    );
    assert!(
        b.stats().rollbacks > 0,
        "B had to roll back to put A's books first"
    );

    // Patch(Id = 2, Title = "Persuasion") by A, Drop(Id = 1) by B, in one tick.
    a.commit(CollectionOp::Patch {
        key: 2,
        patch: BookField::Title("Persuasion".into()),
    });
    b.commit(CollectionOp::Drop { key: 1 });
    for c in a.take_outgoing().into_iter().chain(b.take_outgoing()) {
        host.accept(c).expect("in range");
    }
    let rest = host.seal_through(Tick(12));
    for peer in [&mut a, &mut b] {
        for st in rest.clone() {
            peer.receive_sealed(st).expect("valid");
        }
        while peer.head() < Tick(12) {
            peer.advance().expect("window");
        }
    }
    assert_eq!(titles(&a), titles(&b));
    assert_eq!(a.state().len(), 7);
    assert_eq!(a.state().get(&1), None, "book 1 was dropped");
    assert_eq!(
        a.state().get(&2).map(|b| b.title.as_str()),
        Some("Persuasion")
    );
    assert_eq!(a.state().items()[0].id, 2, "the others keep their order");
}
