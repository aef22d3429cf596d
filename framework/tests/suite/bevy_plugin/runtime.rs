//! Sessions started and stopped at runtime from systems, as a menu would: a host
//! with a bot over renet on loopback, a client that joins, leaves and joins again.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use tickline::prelude::*;
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};

type Session = TicklineSession<ArenaGame>;

/// What the "menu" asks for on its next frame.
#[derive(Resource, Default)]
enum Menu {
    #[default]
    Nothing,
    Host,
    Join(SocketAddr),
    Leave,
}

/// The menu's system: turns a choice into a session command.
fn menu(mut menu: ResMut<Menu>, mut commands: Commands) {
    match std::mem::take(&mut *menu) {
        Menu::Nothing => {}
        Menu::Host => {
            let renet = RenetHostConfig::for_game::<ArenaGame>(
                "127.0.0.1:0".parse().expect("address"),
                8,
                RenetSecurity::Unsecure,
            )
            .expect("traceable");
            let config = HostConfig {
                tick_rate: Some(60),
                ..HostConfig::default()
            };
            commands.queue(
                StartSession::<ArenaGame>::host(config, Arena::default(), renet).with_bots(["bot"]),
            );
        }
        Menu::Join(addr) => {
            let renet = RenetClientConfig::for_game::<ArenaGame>(addr, None).expect("traceable");
            let config = ClientConfig {
                name: "guest".into(),
                ..ClientConfig::default()
            };
            commands.queue(StartSession::<ArenaGame>::join(config, renet));
        }
        Menu::Leave => commands.queue(StopSession::<ArenaGame>::default()),
    }
}

/// Every frame with a session: the local player steers `mine`, the host's bot up.
#[derive(Resource)]
struct Steering(Dir);

fn steer(
    steering: Res<Steering>,
    session: Option<Res<Session>>,
    mut submit: MessageWriter<Submit<ArenaGame>>,
) {
    let Some(session) = session else { return };
    submit.write(Submit::new(Steer(steering.0)));
    for bot in session.bots() {
        submit.write(Submit::bot(bot, Steer(Dir::Up)));
    }
}

fn app(dir: Dir) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(5)))
        .add_plugins(TicklinePlugin::<ArenaGame>::default())
        .init_resource::<Menu>()
        .insert_resource(Steering(dir))
        .add_systems(Update, (menu, steer));
    app
}

/// Runs both apps until `done` holds, for at most 20 wall-clock seconds.
fn run_until(apps: &mut [&mut App; 2], what: &str, done: impl Fn(&[&mut App; 2]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(apps) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        for app in apps.iter_mut() {
            app.update();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn status(app: &App) -> &TicklineStatus {
    app.world().resource::<TicklineStatus>()
}

fn racer_dir(app: &App, peer: PeerId) -> Option<Dir> {
    let state = app.world().get_resource::<Session>()?.state()?;
    state.racers.iter().find(|r| r.peer == peer).map(|r| r.dir)
}

#[test]
fn a_menu_starts_joins_leaves_and_rejoins_at_runtime() {
    let mut host = app(Dir::Left);
    let mut guest = app(Dir::Down);
    assert_eq!(status(&guest).state, TicklineState::Idle);
    host.insert_resource(Menu::Host);
    host.update();
    host.update();
    let addr = status(&host).addr.expect("the host listens");
    assert_eq!(status(&host).state, TicklineState::Hosting);
    assert_eq!(status(&host).bots, 1);
    let bot = host.world().resource::<Session>().bots()[0];

    guest.insert_resource(Menu::Join(addr));
    let mut apps = [&mut host, &mut guest];
    run_until(&mut apps, "the guest's move on both peers", |[h, g]| {
        let Some(me) = status(g).peer else {
            return false;
        };
        status(g).sealed_tick >= Tick(60)
            && racer_dir(h, me) == Some(Dir::Down)
            && racer_dir(g, me) == Some(Dir::Down)
    });
    let [h, g] = apps;
    // Every Submit reached both states: the host's own player, its bot, the guest.
    for app in [&*h, &*g] {
        assert_eq!(racer_dir(app, PeerId::HOST), Some(Dir::Left));
        assert_eq!(racer_dir(app, bot), Some(Dir::Up));
    }
    assert_eq!(status(h).remote_players, 1);
    assert_eq!(
        status(g).state,
        TicklineState::Client(ClientStatus::Connected)
    );

    // Leave: the session is gone at once, and the host seals our Leave.
    g.insert_resource(Menu::Leave);
    g.update();
    assert!(g.world().get_resource::<Session>().is_none());
    assert_eq!(status(g).state, TicklineState::Idle);
    let mut apps = [h, g];
    run_until(&mut apps, "the host to seal the guest's Leave", |[h, _]| {
        status(h).roster.len() == 2 && status(h).remote_players == 0
    });

    // And back in, as a new peer.
    let [h, g] = apps;
    g.insert_resource(Menu::Join(addr));
    let mut apps = [h, g];
    run_until(&mut apps, "the second join", |[h, g]| {
        status(g).state == TicklineState::Client(ClientStatus::Connected)
            && status(h).roster.len() == 3
    });
    // The host's app exits: the plugin leaves its session, and the guest is told
    // at once who ended the game (not left to time out).
    let [h, g] = apps;
    h.world_mut().write_message(AppExit::Success);
    h.update();
    let deadline = Instant::now() + Duration::from_secs(20);
    let why = loop {
        g.update();
        if let TicklineState::Client(ClientStatus::Stopped(why)) = &status(g).state {
            break why.clone();
        }
        assert!(Instant::now() < deadline, "the guest was never told");
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(why, "host (the host) left the game");
}

#[test]
fn a_host_that_cannot_bind_reports_an_error_message_and_keeps_no_session() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let mut app = app(Dir::Up);
    let renet = RenetHostConfig::for_game::<ArenaGame>(addr, 8, RenetSecurity::Unsecure)
        .expect("traceable");
    app.world_mut()
        .commands()
        .queue(StartSession::<ArenaGame>::host(
            HostConfig::default(),
            Arena::default(),
            renet,
        ));
    app.update();
    let errors = app.world().resource::<Messages<TicklineError>>();
    let mut reader = errors.get_cursor();
    let got: Vec<String> = reader.read(errors).map(|e| e.0.to_string()).collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(app.world().get_resource::<Session>().is_none());
    assert_eq!(status(&app).state, TicklineState::Idle);
}
