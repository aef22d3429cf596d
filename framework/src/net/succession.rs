//! What every peer of a LAN host knows so that the game outlives its host (host
//! migration): who is in the session, who hosts next and where, and the key a
//! new host recognises each old peer by.
//!
//! The host sends a [`Succession`] in every `Welcome` and again whenever it
//! changes. Its members are in the host's order of succession: players by peer
//! id (the longest in the game first), spectators last; a member can host when
//! it offered a [`Standby`] port. A member's [`PeerKey`] is a hash of its resume
//! token, so a new host can tell a peer that resumes under its old id from one
//! that only read the list (the token itself never leaves the peer and its host).

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::model::PeerId;

/// Most addresses a client offers to host on.
pub const MAX_STANDBY_ADDRS: usize = 8;
/// Most members one succession lists.
pub const MAX_MEMBERS: usize = 256;

/// Where a client could host the session if its host goes: the UDP port it
/// keeps for that, and the addresses it knows for itself (its host adds the one
/// it saw the client's traffic come from, which comes first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standby {
    /// The port.
    pub port: u16,
    /// The client's own addresses (at most [`MAX_STANDBY_ADDRS`]).
    pub addrs: Vec<IpAddr>,
}

impl Standby {
    /// The addresses to reach this standby at: `seen` (the address its host saw)
    /// first, then the client's own, without repeats or addresses nobody can
    /// send to, at most [`MAX_STANDBY_ADDRS`].
    pub fn reachable(&self, seen: Option<IpAddr>) -> Vec<SocketAddr> {
        let mut out: Vec<SocketAddr> = Vec::new();
        for ip in seen.into_iter().chain(self.addrs.iter().copied()) {
            let usable = !ip.is_unspecified() && !ip.is_multicast() && self.port != 0;
            let addr = SocketAddr::new(ip, self.port);
            if usable && !out.contains(&addr) && out.len() < MAX_STANDBY_ADDRS {
                out.push(addr);
            }
        }
        out
    }
}

/// What a new host knows a peer's resume token by: a keyed BLAKE3 hash of it,
/// which does not give the token back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerKey(pub [u8; 16]);

impl PeerKey {
    /// The key of a resume token.
    pub fn of(token: u64) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key("tickline host migration peer key v1");
        hasher.update(&token.to_le_bytes());
        let mut key = [0; 16];
        key.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
        PeerKey(key)
    }
}

/// One peer of the session, as every other peer knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its peer id.
    pub peer: PeerId,
    /// Its name.
    pub name: String,
    /// Whether it only watches.
    pub spectator: bool,
    /// The key of its resume token.
    pub key: PeerKey,
    /// Where it would host (empty: it cannot).
    pub hosts_at: Vec<SocketAddr>,
}

/// The session's members in the order of succession, and who lives in the
/// host's process (they go with it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    /// The host's own player (`None`: the host does not play).
    pub host: Option<PeerId>,
    /// Players in the host's process besides its own (bots).
    pub residents: Vec<PeerId>,
    /// Every remote peer, in the order of succession.
    pub members: Vec<Member>,
}

/// A succession that breaks its bounds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SuccessionError {
    /// More members, residents or addresses than allowed.
    #[error(
        "a succession of {members} members, {residents} residents (at most {MAX_MEMBERS} each), or a member with more than {MAX_STANDBY_ADDRS} addresses"
    )]
    TooLarge {
        /// Members listed.
        members: usize,
        /// Residents listed.
        residents: usize,
    },
    /// A peer listed twice.
    #[error("{0} is listed twice")]
    Repeated(PeerId),
}

impl Succession {
    /// Checks the bounds (a host's message is checked before it is kept).
    ///
    /// # Errors
    ///
    /// [`SuccessionError`] for too many entries or a repeated peer.
    pub fn validate(&self) -> Result<(), SuccessionError> {
        let too_many_addrs = self
            .members
            .iter()
            .any(|m| m.hosts_at.len() > MAX_STANDBY_ADDRS);
        if self.members.len() > MAX_MEMBERS || self.residents.len() > MAX_MEMBERS || too_many_addrs
        {
            return Err(SuccessionError::TooLarge {
                members: self.members.len(),
                residents: self.residents.len(),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        let peers = self.host.iter().chain(&self.residents);
        for peer in peers.chain(self.members.iter().map(|m| &m.peer)) {
            if !seen.insert(*peer) {
                return Err(SuccessionError::Repeated(*peer));
            }
        }
        Ok(())
    }

    /// The members that can host, in order.
    pub fn successors(&self) -> impl Iterator<Item = &Member> {
        self.members
            .iter()
            .filter(|m| !m.spectator && !m.hosts_at.is_empty())
    }

    /// The member `peer`.
    pub fn member(&self, peer: PeerId) -> Option<&Member> {
        self.members.iter().find(|m| m.peer == peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(peer: u64, spectator: bool, hosts: bool) -> Member {
        Member {
            peer: PeerId(peer),
            name: format!("p{peer}"),
            spectator,
            key: PeerKey::of(peer),
            hosts_at: if hosts {
                vec![SocketAddr::from(([10, 0, 0, peer as u8], 5002))]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn a_key_is_fixed_by_its_token_and_differs_between_tokens() {
        assert_eq!(
            PeerKey::of(1).0,
            [
                249, 45, 54, 192, 99, 27, 166, 179, 36, 89, 46, 12, 159, 39, 110, 119
            ],
            "pinned: peers of two builds must derive the same keys"
        );
        assert_eq!(PeerKey::of(7), PeerKey::of(7));
        assert_ne!(PeerKey::of(7), PeerKey::of(8));
    }

    #[test]
    fn successors_are_players_that_offered_a_standby_in_the_hosts_order() {
        let s = Succession {
            host: Some(PeerId(0)),
            residents: vec![PeerId(1)],
            members: vec![
                member(2, false, false),
                member(3, true, true),
                member(4, false, true),
                member(5, false, true),
            ],
        };
        assert_eq!(s.validate(), Ok(()));
        let order: Vec<PeerId> = s.successors().map(|m| m.peer).collect();
        assert_eq!(order, [PeerId(4), PeerId(5)]);
        assert_eq!(s.member(PeerId(3)).map(|m| m.spectator), Some(true));
    }

    #[test]
    fn a_repeated_peer_or_an_oversized_list_is_refused() {
        let twice = Succession {
            host: Some(PeerId(2)),
            residents: Vec::new(),
            members: vec![member(2, false, true)],
        };
        assert_eq!(twice.validate(), Err(SuccessionError::Repeated(PeerId(2))));
        let mut big = member(3, false, true);
        big.hosts_at = vec![SocketAddr::from(([10, 0, 0, 1], 1)); MAX_STANDBY_ADDRS + 1];
        let huge = Succession {
            members: vec![big],
            ..Succession::default()
        };
        assert!(matches!(
            huge.validate(),
            Err(SuccessionError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_address_the_host_saw_comes_first_without_repeats() {
        let standby = Standby {
            port: 5002,
            addrs: vec![
                IpAddr::from([10, 0, 0, 2]),
                IpAddr::from([0, 0, 0, 0]),
                IpAddr::from([192, 168, 1, 9]),
            ],
        };
        let seen = Some(IpAddr::from([192, 168, 1, 9]));
        assert_eq!(
            standby.reachable(seen),
            [
                SocketAddr::from(([192, 168, 1, 9], 5002)),
                SocketAddr::from(([10, 0, 0, 2], 5002)),
            ]
        );
        let closed = Standby {
            port: 0,
            addrs: standby.addrs.clone(),
        };
        assert!(closed.reachable(seen).is_empty(), "port 0 hosts nothing");
    }
}
