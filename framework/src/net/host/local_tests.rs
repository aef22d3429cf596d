//! A host with local players (bots) and no network.

use std::time::Duration;

use crate::fixtures::{Push, Tally, TallyGame};
use crate::net::{HostConfig, HostSession};
use crate::transport::memory_hub;

#[test]
fn a_local_game_with_bots_never_rolls_back() {
    let (transport, _connector) = memory_hub();
    let config = HostConfig {
        tick_rate: Some(20),
        input_delay: 1,
        ..HostConfig::default()
    };
    let mut host =
        HostSession::<TallyGame, _>::new(config, Tally::default(), transport).expect("starts");
    let bots: Vec<_> = (0..3)
        .map(|i| host.add_local_player(&format!("bot {i}")))
        .collect();
    let mut last = None;
    for frame in 0..1000u64 {
        host.update(Duration::from_millis(frame * 16))
            .expect("updates");
        let head = host.head();
        if last != Some(head) {
            last = Some(head);
            host.commit(Push(frame));
            for (i, &bot) in bots.iter().enumerate() {
                host.commit_as(bot, Push(frame + i as u64));
            }
        }
    }
    let stats = host.stats();
    assert!(host.sealed_tick().0 > 300, "sealed {}", host.sealed_tick());
    assert_eq!(stats.rollbacks, 0, "{stats:?}");
}
