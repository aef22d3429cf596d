//! The main menu in the window (`snake-demo` alone): play against bots, host
//! a LAN game (name, bots, open or with a join code, the code shown large while
//! hosting), join one from the live LAN list or by address (the code asked for
//! when needed), watch one, open a recording in the replay viewer, quit.
//! Keyboard (arrows, Enter, Esc, typing into fields) and mouse (hover chooses,
//! a click selects). Esc in a game leaves it and comes back here. F12 saves a
//! screenshot. Each screen prints `menu: NAME` on stdout once it is built.

mod launch;
mod pages;
mod view;

use std::net::SocketAddr;
use std::path::PathBuf;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use tickline::bevy::{LanGames, TicklineError, TicklineState, TicklineStatus};
use tickline::net::ClientStatus;
use tickline::net::discovery::BrowseConfig;

use crate::app::hud::{HudPlugin, Scoreboard, StatusLine};
use crate::app::render::RenderPlugin;
use crate::app::{input::steer, show_session, window_plugins};
use crate::cli::MenuArgs;
use crate::rules::SnakeGame;

pub use pages::{Action, Field, Item, Screen, recordings};

/// Longest text a field takes.
const FIELD_CHARS: usize = 40;

/// Where the menu's sessions listen and look, from the command line.
#[derive(Resource, Clone, Debug)]
pub struct MenuConfig {
    /// Where a hosted game listens.
    pub bind: SocketAddr,
    /// Where a hosted game answers LAN discovery.
    pub discovery: SocketAddr,
    /// The discovery port the LAN list asks on.
    pub discovery_port: u16,
    /// Where F12 saves screenshots.
    pub screenshots: PathBuf,
    /// Where the recordings are listed from.
    pub recordings: PathBuf,
}

/// The menu's state: the screen, the chosen item, the fields.
#[derive(Resource, Debug)]
pub struct Menu {
    /// The screen shown.
    pub screen: Screen,
    /// The chosen item.
    pub focus: usize,
    /// The items shown (as last built).
    pub items: Vec<Item>,
    /// The player's name.
    pub name: String,
    /// Bots in a local or hosted game.
    pub bots: u32,
    /// Host without a join code.
    pub open: bool,
    /// The typed address.
    pub address: String,
    /// The typed join code.
    pub code: String,
    /// The game chosen to join or watch, waiting for its code.
    pub target: Option<SocketAddr>,
    /// Joining to watch.
    pub spectate: bool,
    /// What to tell the player on the next screen.
    pub message: Option<String>,
    /// While hosting: the banner (the join code).
    pub hosting: Option<String>,
    /// The recordings listed on the replays screen.
    pub replays: Vec<PathBuf>,
    /// The nodes need building again.
    pub rebuild: bool,
    /// The screen last built (its name is printed when another is).
    pub built: Option<Screen>,
}

impl Menu {
    fn new(name: String) -> Self {
        Menu {
            screen: Screen::Main,
            focus: 0,
            items: Vec::new(),
            name,
            bots: 3,
            open: false,
            address: String::new(),
            code: String::new(),
            target: None,
            spectate: false,
            message: None,
            hosting: None,
            replays: Vec::new(),
            rebuild: true,
            built: None,
        }
    }

    /// Opens `screen` with its first item chosen.
    pub fn open_screen(&mut self, screen: Screen) {
        self.screen = screen;
        self.focus = 0;
        self.rebuild = true;
    }

    fn field(&mut self, field: Field) -> &mut String {
        match field {
            Field::Name => &mut self.name,
            Field::Address => &mut self.address,
            Field::Code => &mut self.code,
        }
    }

    fn focused(&self) -> Option<&Action> {
        self.items.get(self.focus).map(|i| &i.action)
    }
}

/// Runs the menu until Quit or the window closes.
///
/// # Errors
///
/// One line when there is no display or the signal handler cannot be set.
pub fn run_menu(args: MenuArgs) -> Result<(), String> {
    crate::app::require_display("use a subcommand with --headless (see --help), or xvfb-run")?;
    crate::signals::install()?;
    let mut app = App::new();
    app.add_plugins(window_plugins("Tickline Snake", 1180, 720))
        .add_plugins((RenderPlugin, HudPlugin))
        .add_plugins(tickline::bevy::TicklinePlugin::<SnakeGame>::default())
        .insert_resource(Menu::new(args.name.clone()))
        .insert_resource(MenuConfig {
            bind: args.bind,
            discovery: args.discovery,
            discovery_port: args.discovery_port,
            screenshots: args.screenshot_dir.clone(),
            recordings: PathBuf::from("recordings"),
        })
        .init_resource::<crate::app::bots::Bots>()
        .add_systems(
            PreUpdate,
            show_session.after(tickline::bevy::TicklineSet::Receive),
        )
        .add_systems(
            Update,
            (
                keys,
                click,
                in_game,
                browse_lan,
                hud_visibility,
                screenshot,
                crate::app::bots::run_bots,
                steer.run_if(playing),
                crate::signals::exit_on_signal,
            ),
        )
        .add_systems(
            PostUpdate,
            (view::rebuild, view::highlight, view::code_banner).chain(),
        );
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(format!("the menu stopped with status {code}")),
    }
}

fn playing(menu: Res<Menu>) -> bool {
    menu.screen == Screen::Playing
}

/// Arrows choose, Enter selects, Left/Right change a value, typing fills the
/// chosen field, Esc goes back (or leaves the game).
fn keys(
    mut commands: Commands,
    mut menu: ResMut<Menu>,
    mut typed: MessageReader<KeyboardInput>,
    buttons: Res<ButtonInput<KeyCode>>,
) {
    if menu.screen == Screen::Playing {
        typed.clear();
        if buttons.just_pressed(KeyCode::Escape) {
            commands.queue(|world: &mut World| launch::leave(world, None));
        }
        return;
    }
    let count = menu.items.len().max(1);
    if buttons.just_pressed(KeyCode::ArrowDown) {
        menu.focus = (menu.focus + 1) % count;
    }
    if buttons.just_pressed(KeyCode::ArrowUp) {
        menu.focus = (menu.focus + count - 1) % count;
    }
    let side = i32::from(buttons.just_pressed(KeyCode::ArrowRight))
        - i32::from(buttons.just_pressed(KeyCode::ArrowLeft));
    if side != 0 {
        adjust(&mut menu, side);
    }
    for key in typed.read().filter(|k| k.state == ButtonState::Pressed) {
        if let Some(Action::Edit(field)) = menu.focused().cloned() {
            edit(&mut menu, field, &key.logical_key);
        }
    }
    if buttons.just_pressed(KeyCode::Enter) || buttons.just_pressed(KeyCode::NumpadEnter) {
        if let Some(action) = menu.focused().cloned() {
            activate(&mut commands, &mut menu, action);
        }
    } else if buttons.just_pressed(KeyCode::Escape) {
        activate(&mut commands, &mut menu, Action::Back);
    }
}

/// Left/Right on the bots or the code option.
fn adjust(menu: &mut Menu, side: i32) {
    match menu.focused() {
        Some(Action::Bots) => {
            menu.bots = menu.bots.saturating_add_signed(side).min(8);
            menu.rebuild = true;
        }
        Some(Action::ToggleOpen) => {
            menu.open = !menu.open;
            menu.rebuild = true;
        }
        _ => {}
    }
}

/// A key typed into a field.
fn edit(menu: &mut Menu, field: Field, key: &Key) {
    let text = menu.field(field);
    match key {
        Key::Backspace => {
            text.pop();
        }
        Key::Character(c) => {
            for ch in c.chars().filter(|ch| !ch.is_control()) {
                if text.chars().count() < FIELD_CHARS {
                    text.push(ch);
                }
            }
        }
        Key::Space if text.chars().count() < FIELD_CHARS => text.push(' '),
        _ => return,
    }
    menu.rebuild = true;
}

/// Moving the pointer over an item chooses it (a pointer that stands still
/// over a rebuilt screen does not), a click selects it.
fn click(
    mut commands: Commands,
    mut menu: ResMut<Menu>,
    mut moved: MessageReader<CursorMoved>,
    buttons: Query<(&Interaction, &view::MenuItem), Changed<Interaction>>,
) {
    let moved = moved.read().count() > 0;
    for (interaction, item) in &buttons {
        match interaction {
            Interaction::Hovered if moved && menu.focus != item.0 => menu.focus = item.0,
            Interaction::Pressed => {
                menu.focus = item.0;
                if let Some(action) = menu.focused().cloned() {
                    activate(&mut commands, &mut menu, action);
                }
            }
            _ => {}
        }
    }
}

/// Does what an item says.
fn activate(commands: &mut Commands, menu: &mut Menu, action: Action) {
    menu.message = None;
    match action {
        Action::Play => commands.queue(launch::play),
        Action::Open(Screen::Replays) => {
            menu.replays = recordings(std::path::Path::new("recordings"));
            menu.open_screen(Screen::Replays);
        }
        Action::Open(screen) => {
            if matches!(screen, Screen::Join | Screen::Watch) {
                menu.spectate = screen == Screen::Watch;
            }
            menu.open_screen(screen);
        }
        Action::StartHost => commands.queue(launch::host),
        Action::Bots => adjust(menu, 1),
        Action::ToggleOpen => adjust(menu, 1),
        Action::Edit(_) => menu.focus = (menu.focus + 1) % menu.items.len().max(1),
        Action::Game {
            addr,
            code_required,
        } => {
            menu.target = Some(addr);
            if code_required {
                menu.open_screen(Screen::Code);
            } else {
                menu.code.clear();
                connect(commands, addr, menu.spectate);
            }
        }
        Action::Connect => connect_typed(commands, menu),
        Action::Replay(path) => {
            if let Err(e) = launch::replay(&path) {
                menu.message = Some(e);
            }
            menu.rebuild = true;
        }
        Action::Back => back(commands, menu),
        Action::Quit => commands.queue(|world: &mut World| {
            world.write_message(AppExit::Success);
        }),
    }
    menu.rebuild = true;
}

fn back(commands: &mut Commands, menu: &mut Menu) {
    match menu.screen {
        Screen::Main => commands.queue(|world: &mut World| {
            world.write_message(AppExit::Success);
        }),
        Screen::Host | Screen::Join | Screen::Watch | Screen::Replays => {
            menu.open_screen(Screen::Main);
        }
        Screen::Address | Screen::Code => {
            let back_to = if menu.spectate {
                Screen::Watch
            } else {
                Screen::Join
            };
            menu.open_screen(back_to);
        }
        Screen::Playing => {}
    }
}

/// Connect from the address or code screen.
fn connect_typed(commands: &mut Commands, menu: &mut Menu) {
    let addr = match (menu.screen, menu.target) {
        (Screen::Code, Some(addr)) => addr,
        _ => match tickline::transport::resolve(menu.address.trim()) {
            Ok(addr) => addr,
            Err(e) => {
                menu.message = Some(e.to_string());
                return;
            }
        },
    };
    connect(commands, addr, menu.spectate);
}

fn connect(commands: &mut Commands, addr: SocketAddr, spectate: bool) {
    commands.queue(move |world: &mut World| launch::join(world, addr, spectate));
}

/// While in a game: one that ended on its own (the host ended it, a failure)
/// comes back to the menu with why.
fn in_game(
    mut commands: Commands,
    menu: Res<Menu>,
    status: Res<TicklineStatus>,
    mut errors: MessageReader<TicklineError>,
) {
    if menu.screen != Screen::Playing {
        errors.clear();
        return;
    }
    let failed = errors.read().last().map(|TicklineError(e)| e.to_string());
    let ended = match &status.state {
        TicklineState::Client(ClientStatus::Stopped(why)) => Some(why.clone()),
        _ => failed,
    };
    if let Some(why) = ended {
        commands.queue(move |world: &mut World| launch::leave(world, Some(why)));
    }
}

/// The LAN list is kept fresh while a join or watch screen shows it.
fn browse_lan(
    mut commands: Commands,
    menu: Res<Menu>,
    config: Res<MenuConfig>,
    lan: Option<Res<LanGames>>,
) {
    let wanted = matches!(menu.screen, Screen::Join | Screen::Watch);
    if let Some(games) = lan.as_ref().filter(|l| l.changed()) {
        for g in games.games() {
            println!("lan: {:?} at {}", g.announcement.name, g.addr);
        }
    }
    match (wanted, lan.is_some()) {
        (true, false) => {
            let browse = BrowseConfig::default().on_port(config.discovery_port);
            match LanGames::new::<SnakeGame>(browse) {
                Ok(games) => commands.insert_resource(games),
                Err(e) => eprintln!("cannot look for LAN games: {e}"),
            }
        }
        (false, true) => commands.remove_resource::<LanGames>(),
        _ => {}
    }
}

/// The game's overlays.
type Hud = Or<(With<Scoreboard>, With<StatusLine>)>;

/// The scoreboard and status line show only in a game.
fn hud_visibility(menu: Res<Menu>, mut hud: Query<&mut Visibility, Hud>) {
    if !menu.is_changed() {
        return;
    }
    let shown = if menu.screen == Screen::Playing {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    for mut v in &mut hud {
        *v = shown;
    }
}

/// F12 saves a screenshot of the window (its path printed on stdout).
fn screenshot(
    mut commands: Commands,
    keys: Res<ButtonInput<KeyCode>>,
    config: Res<MenuConfig>,
    mut taken: Local<u32>,
) {
    if !keys.just_pressed(KeyCode::F12) {
        return;
    }
    *taken += 1;
    if let Err(e) = std::fs::create_dir_all(&config.screenshots) {
        eprintln!("cannot save a screenshot: {e}");
        return;
    }
    let path = config.screenshots.join(format!("snake-{}.png", *taken));
    let _ = std::fs::remove_file(&path);
    println!("screenshot: {}", path.display());
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_to_disk(path));
}
