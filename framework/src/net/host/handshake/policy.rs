//! The handshake policy, as pure functions: which `Hello` is refused and why,
//! whether a client resumes or joins anew, and the names players get.

use crate::model::{PeerId, Tick};
use crate::net::protocol::{DEFAULT_ROOM, Hello, MAX_NAME_CHARS, PROTOCOL_VERSION, valid_room};
use crate::net::reasons::RejectReason;
use crate::transport::ConnId;

/// What the host checks a `Hello` against.
#[derive(Clone, Copy, Debug)]
pub(in crate::net::host) struct Policy<'a> {
    pub(in crate::net::host) game_id: &'a str,
    pub(in crate::net::host) schema_hash: u64,
    pub(in crate::net::host) max_clients: usize,
    pub(in crate::net::host) max_spectators: usize,
    /// The room this host serves on a server; `None` for a host that runs one
    /// game. The default room also answers to "".
    pub(in crate::net::host) room: Option<&'a str>,
}

/// Players and spectators connected now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(in crate::net::host) struct Occupancy {
    pub(in crate::net::host) players: usize,
    pub(in crate::net::host) spectators: usize,
}

/// A peer a `Hello` may resume: its id, its old connection, and the sealed tick
/// the client says it holds.
pub(in crate::net::host) type Resumable = (PeerId, Option<ConnId>, Tick);

/// How a client that passed the checks comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::net::host) enum Admission {
    /// It takes its old peer id back and catches up from sealed ticks.
    Resume {
        peer: PeerId,
        old_conn: Option<ConnId>,
        from: Tick,
    },
    /// A new peer, caught up from a snapshot.
    New,
}

/// Refuses a `Hello` of another protocol version, game or build, with a reason
/// for a person.
///
/// # Errors
///
/// The reason, when the client may not join.
pub(in crate::net::host) fn check_hello(
    hello: &Hello,
    policy: Policy<'_>,
) -> Result<(), RejectReason> {
    if hello.protocol != PROTOCOL_VERSION {
        return Err(RejectReason::Protocol {
            client: hello.protocol,
            host: PROTOCOL_VERSION,
        });
    }
    if hello.game_id != policy.game_id {
        return Err(RejectReason::OtherGame {
            host: policy.game_id.to_string(),
            client: hello.game_id.clone(),
        });
    }
    if hello.schema_hash != policy.schema_hash {
        return Err(RejectReason::OtherBuild);
    }
    if !valid_room(&hello.room) {
        return Err(RejectReason::BadRoomName);
    }
    match policy.room {
        None if !hello.room.is_empty() => Err(RejectReason::NoRooms(hello.room.clone())),
        Some(room) if hello.room != room && !(hello.room.is_empty() && room == DEFAULT_ROOM) => {
            Err(RejectReason::OtherRoom {
                this: room.to_string(),
                asked: hello.room.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// Resume when the peer is known and the buffer still covers its gap, join anew
/// otherwise, unless the host is full (a resuming peer always has its slot).
/// Players and spectators are counted apart.
///
/// # Errors
///
/// The reason, when the host is full.
pub(in crate::net::host) fn admit(
    resumable: Option<Resumable>,
    can_catch_up: impl Fn(Tick) -> bool,
    spectator: bool,
    connected: Occupancy,
    policy: Policy<'_>,
) -> Result<Admission, RejectReason> {
    match resumable {
        Some((peer, old_conn, from)) if can_catch_up(from) => Ok(Admission::Resume {
            peer,
            old_conn,
            from,
        }),
        None if spectator && connected.spectators >= policy.max_spectators => {
            Err(RejectReason::SpectatorsFull(policy.max_spectators as u64))
        }
        None if !spectator && connected.players >= policy.max_clients => {
            Err(RejectReason::Full(policy.max_clients as u64))
        }
        _ => Ok(Admission::New),
    }
}

/// A printable, bounded name (a default for an empty one).
pub(in crate::net::host) fn clean_name(name: &str, peer: PeerId) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        format!("Player {}", peer.0)
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy<'static> = Policy {
        game_id: "snake",
        schema_hash: 9,
        max_clients: 2,
        max_spectators: 1,
        room: None,
    };

    fn players(n: usize) -> Occupancy {
        Occupancy {
            players: n,
            spectators: 0,
        }
    }

    fn hello(protocol: u32, game: &str, schema_hash: u64) -> Hello {
        Hello {
            protocol,
            game_id: game.into(),
            schema_hash,
            name: "ann".into(),
            resume: None,
            room: String::new(),
            spectator: false,
            standby: None,
        }
    }

    #[test]
    fn another_version_game_or_build_is_refused_with_a_reason() {
        assert_eq!(
            check_hello(&hello(PROTOCOL_VERSION, "snake", 9), POLICY),
            Ok(())
        );
        let v = check_hello(&hello(PROTOCOL_VERSION + 1, "snake", 9), POLICY);
        assert_eq!(
            v,
            Err(RejectReason::Protocol {
                client: PROTOCOL_VERSION + 1,
                host: PROTOCOL_VERSION
            })
        );
        assert_eq!(
            check_hello(&hello(PROTOCOL_VERSION, "chess", 9), POLICY),
            Err(RejectReason::OtherGame {
                host: "snake".into(),
                client: "chess".into()
            })
        );
        let game = check_hello(&hello(PROTOCOL_VERSION, "chess", 9), POLICY);
        let said = game.map_err(|r| r.to_string());
        assert_eq!(said, Err("this host runs \"snake\", not \"chess\"".into()));
        let s = check_hello(&hello(PROTOCOL_VERSION, "snake", 8), POLICY);
        assert_eq!(s, Err(RejectReason::OtherBuild));
    }

    #[test]
    fn a_full_host_still_takes_back_a_resuming_peer() {
        let back = Some((PeerId(3), Some(7), Tick(50)));
        let covered = |t: Tick| t >= Tick(40);
        assert_eq!(
            admit(back, covered, false, players(2), POLICY),
            Ok(Admission::Resume {
                peer: PeerId(3),
                old_conn: Some(7),
                from: Tick(50)
            })
        );
        assert_eq!(
            admit(None, covered, false, players(2), POLICY),
            Err(RejectReason::Full(2))
        );
        assert_eq!(
            admit(None, covered, false, players(1), POLICY),
            Ok(Admission::New)
        );
        let too_old = Some((PeerId(3), None, Tick(10)));
        assert_eq!(
            admit(too_old, covered, false, players(2), POLICY),
            Ok(Admission::New),
            "a peer gone past the buffer joins anew from a snapshot"
        );
    }

    #[test]
    fn spectators_have_their_own_limit_and_never_take_a_player_slot() {
        let covered = |_: Tick| true;
        let full_of_players = players(2);
        assert_eq!(
            admit(None, covered, true, full_of_players, POLICY),
            Ok(Admission::New),
            "a full game can still be watched"
        );
        let watched = Occupancy {
            players: 0,
            spectators: 1,
        };
        assert_eq!(
            admit(None, covered, true, watched, POLICY),
            Err(RejectReason::SpectatorsFull(1))
        );
        assert_eq!(
            admit(None, covered, false, watched, POLICY),
            Ok(Admission::New)
        );
    }

    #[test]
    fn a_room_is_checked_against_the_one_this_host_serves() {
        let mut h = hello(PROTOCOL_VERSION, "snake", 9);
        h.room = "blue".into();
        let lone = check_hello(&h, POLICY);
        assert_eq!(lone, Err(RejectReason::NoRooms("blue".into())));
        let blue = Policy {
            room: Some("blue"),
            ..POLICY
        };
        assert_eq!(check_hello(&h, blue), Ok(()));
        let red = Policy {
            room: Some("red"),
            ..POLICY
        };
        assert!(check_hello(&h, red).is_err_and(|r| matches!(r, RejectReason::OtherRoom { .. })));
        h.room = String::new();
        let main = Policy {
            room: Some(DEFAULT_ROOM),
            ..POLICY
        };
        assert_eq!(check_hello(&h, main), Ok(()), "no room asked: the default");
        h.room = "no spaces".into();
        assert_eq!(check_hello(&h, POLICY), Err(RejectReason::BadRoomName));
    }

    #[test]
    fn names_are_printable_bounded_and_never_empty() {
        assert_eq!(clean_name("  bob\u{7}  ", PeerId(1)), "bob");
        assert_eq!(clean_name("\n\t", PeerId(4)), "Player 4");
        assert_eq!(
            clean_name(&"x".repeat(100), PeerId(1)).len(),
            MAX_NAME_CHARS
        );
    }
}
