//! The order of succession this host tells its clients (host migration): built
//! from the connection table when its members change, and sent again only when
//! it differs from what the clients hold.

use crate::model::Game;
use crate::net::protocol::HostMsg;
use crate::net::succession::{MAX_MEMBERS, Member, Succession};
use crate::transport::{Channel, HostTransport};

use super::HostSession;

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// Who hosts next if this host goes, and every remote peer with the key it
    /// would resume by: players by peer id, then spectators. A member hosts
    /// only while connected and when it offered a standby port. Empty when
    /// [`HostConfig::succession`](crate::net::HostConfig::succession) is off.
    pub fn succession(&self) -> Succession {
        if !self.config.succession {
            return Succession::default();
        }
        let remote = || {
            self.table
                .peers()
                .filter(|(peer, _)| !self.residents.holds(*peer))
        };
        let players = remote().filter(|(_, p)| !p.spectator);
        let spectators = remote().filter(|(_, p)| p.spectator);
        let members = players
            .chain(spectators)
            .take(MAX_MEMBERS)
            .map(|(peer, p)| Member {
                peer,
                name: p.name.clone(),
                spectator: p.spectator,
                key: p.key,
                hosts_at: match (&p.standby, p.conn) {
                    (Some((standby, seen)), Some(_)) if !p.spectator => standby.reachable(*seen),
                    _ => Vec::new(),
                },
            })
            .collect();
        Succession {
            host: self.residents.own,
            residents: self.residents.local.keys().copied().collect(),
            members,
        }
    }

    /// Sends the succession to every client if its members changed since it
    /// was last sent.
    pub(super) fn share_succession(&mut self) {
        if !std::mem::take(&mut self.succession_changed) || !self.config.succession {
            return;
        }
        let succession = self.succession();
        if succession == self.shared_succession {
            return;
        }
        let msg = HostMsg::<G::Move>::Succession(succession.clone());
        for conn in self.table.live() {
            self.send(conn, Channel::Reliable, &msg);
        }
        self.shared_succession = succession;
    }
}
