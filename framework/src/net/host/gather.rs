//! Right after taking a session over: sealing waits until the old host's
//! other peers are back, and takes the ticks the old host sealed that only a
//! peer ahead of this host holds (sealed logs agree, so they are adopted as
//! they are). Bounded in time: a peer that is not back by then catches up or
//! joins again as usual.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::model::{Game, PeerId, Tick};
use crate::net::protocol::{HostMsg, SealedRun};
use crate::transport::{Channel, ConnId, HostTransport};

use super::HostSession;

/// How long a host that took a session over waits for the old host's peers.
pub(super) const GATHER_LIMIT: Duration = Duration::from_secs(2);

/// The wait after taking a session over.
#[derive(Debug)]
pub(super) struct Gather {
    /// The old host's players expected back.
    expected: BTreeSet<PeerId>,
    /// Connections asked for sealed ticks that have not sent them yet.
    asked: BTreeSet<ConnId>,
    /// When the wait ends at the latest (set on the first update).
    until: Option<Duration>,
}

impl Gather {
    /// Waits for `expected`.
    pub(super) fn new(expected: BTreeSet<PeerId>) -> Self {
        Gather {
            expected,
            asked: BTreeSet::new(),
            until: None,
        }
    }
}

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// Whether sealing still waits (see the module documentation).
    pub(super) fn gathering(&mut self) -> bool {
        let now = self.clock.now;
        let Some(g) = self.gather.as_mut() else {
            return false;
        };
        let until = *g.until.get_or_insert(now + GATHER_LIMIT);
        g.asked.retain(|conn| self.table.conn(*conn).is_some());
        let back = g
            .expected
            .iter()
            .all(|peer| self.table.peer_conn(*peer).is_some() || !self.table.knows(*peer));
        if (back && g.asked.is_empty()) || now >= until {
            let waited = now.saturating_sub(until.saturating_sub(GATHER_LIMIT));
            tracing::info!(
                "sealing from tick {} on, {waited:?} after taking the session over{}",
                self.sealer.sealed_tick().next(),
                if back {
                    ""
                } else {
                    " (not every peer came back)"
                }
            );
            self.gather = None;
            return false;
        }
        true
    }

    /// Whether a resuming peer may hold sealed ticks after ours: only while
    /// gathering.
    pub(super) fn may_be_ahead(&self) -> bool {
        self.gather.is_some()
    }

    /// A resuming peer holds sealed ticks after ours: ask it for them.
    pub(super) fn ask_sealed(&mut self, conn: ConnId, holds: Tick) {
        let after = self.sealer.sealed_tick();
        let Some(g) = self.gather.as_mut() else {
            return;
        };
        tracing::info!(
            "a peer holds sealed ticks {}..={holds}: asking for them",
            after.next()
        );
        g.asked.insert(conn);
        self.send(conn, Channel::Reliable, &HostMsg::SendSealed { after });
    }

    /// Sealed ticks a peer sent when asked: the next ones are adopted, in order;
    /// the rest (ticks already held, a run that leaves a gap, anything once the
    /// wait is over) are ignored.
    pub(super) fn on_sealed_run(&mut self, conn: ConnId, run: SealedRun<G::Move>, last: bool) {
        let Some(g) = self.gather.as_mut() else {
            return;
        };
        if last {
            g.asked.remove(&conn);
        }
        let ticks = match run.expand() {
            Ok(ticks) => ticks,
            Err(e) => {
                tracing::warn!("a peer's sealed ticks do not add up: {e}");
                return;
            }
        };
        for st in ticks {
            if st.tick <= self.sealer.sealed_tick() {
                continue;
            }
            match self.sealer.adopt(st) {
                Ok(sealed) => self.absorb(sealed),
                Err(e) => {
                    tracing::warn!("a peer's sealed tick does not follow ours: {e}");
                    return;
                }
            }
        }
    }
}
