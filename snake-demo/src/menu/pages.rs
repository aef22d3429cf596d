//! What each screen of the menu lists, and what choosing an item means.

use std::net::SocketAddr;
use std::path::PathBuf;

use tickline::bevy::LanGames;

use super::Menu;

/// A screen of the menu (or the game it started).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The main menu.
    Main,
    /// Hosting options.
    Host,
    /// The LAN's games to join.
    Join,
    /// The LAN's games to watch.
    Watch,
    /// Typing a host's address.
    Address,
    /// Typing the join code of the chosen game.
    Code,
    /// The recordings, newest first.
    Replays,
    /// A game is running (the menu is hidden).
    Playing,
}

impl Screen {
    /// Its name as printed on stdout when it opens (`menu: host`).
    pub fn name(self) -> &'static str {
        match self {
            Screen::Main => "main",
            Screen::Host => "host",
            Screen::Join => "join",
            Screen::Watch => "watch",
            Screen::Address => "address",
            Screen::Code => "code",
            Screen::Replays => "replays",
            Screen::Playing => "playing",
        }
    }
}

/// A text field of the menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The player's name.
    Name,
    /// A host's address (`HOST:PORT`).
    Address,
    /// A join code.
    Code,
}

/// What choosing an item does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A local game against bots.
    Play,
    /// Open a screen.
    Open(Screen),
    /// Host with the options shown.
    StartHost,
    /// Change the number of bots (Left/Right; Enter adds one).
    Bots,
    /// Toggle whether joining needs a code.
    ToggleOpen,
    /// Edit a text field (typing goes there while it is chosen).
    Edit(Field),
    /// Join (or watch) this LAN game: the code is asked for when it needs one.
    Game {
        /// Where it is.
        addr: SocketAddr,
        /// Whether it needs a join code.
        code_required: bool,
    },
    /// Connect to the typed address, or with the typed code.
    Connect,
    /// Open this recording in the replay viewer.
    Replay(PathBuf),
    /// One screen back.
    Back,
    /// Close the app.
    Quit,
}

/// One line of a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What it says.
    pub label: String,
    /// What choosing it does.
    pub action: Action,
}

fn item(label: impl Into<String>, action: Action) -> Item {
    Item {
        label: label.into(),
        action,
    }
}

/// The title and items of the menu's current screen.
pub fn page(menu: &Menu, lan: Option<&LanGames>) -> (String, Vec<Item>) {
    match menu.screen {
        Screen::Main => ("Tickline Snake".into(), main_items()),
        Screen::Host => ("Host a LAN game".into(), host_items(menu)),
        Screen::Join | Screen::Watch => lan_page(menu, lan),
        Screen::Address => (
            "Enter the host's address".into(),
            vec![
                item(
                    format!("Address: {}_", menu.address),
                    Action::Edit(Field::Address),
                ),
                item("Connect", Action::Connect),
                item("Back", Action::Back),
            ],
        ),
        Screen::Code => (
            "This game needs its join code".into(),
            vec![
                item(
                    format!("Join code: {}_", menu.code),
                    Action::Edit(Field::Code),
                ),
                item("Connect", Action::Connect),
                item("Back", Action::Back),
            ],
        ),
        Screen::Replays => ("Replays".into(), replay_items(menu)),
        Screen::Playing => (String::new(), Vec::new()),
    }
}

fn main_items() -> Vec<Item> {
    vec![
        item("Play against bots", Action::Play),
        item("Host a LAN game", Action::Open(Screen::Host)),
        item("Join a game", Action::Open(Screen::Join)),
        item("Watch a game", Action::Open(Screen::Watch)),
        item("Replays", Action::Open(Screen::Replays)),
        item("Quit", Action::Quit),
    ]
}

fn host_items(menu: &Menu) -> Vec<Item> {
    vec![
        item(format!("Name: {}_", menu.name), Action::Edit(Field::Name)),
        item(format!("Bots: ‹ {} ›", menu.bots), Action::Bots),
        item(
            if menu.open {
                "Join code: none (anyone on the network may join)"
            } else {
                "Join code: required"
            },
            Action::ToggleOpen,
        ),
        item("Start hosting", Action::StartHost),
        item("Back", Action::Back),
    ]
}

fn lan_page(menu: &Menu, lan: Option<&LanGames>) -> (String, Vec<Item>) {
    let watching = menu.screen == Screen::Watch;
    let mut items: Vec<Item> = lan
        .map(LanGames::games)
        .unwrap_or_default()
        .into_iter()
        .map(|g| {
            let a = &g.announcement;
            let code = if a.code_required { ", code" } else { "" };
            item(
                format!(
                    "{} — {}/{} players{code} ({})",
                    a.name, a.players, a.max_players, g.addr
                ),
                Action::Game {
                    addr: g.addr,
                    code_required: a.code_required,
                },
            )
        })
        .collect();
    if items.is_empty() {
        items.push(item(
            "(looking for games on the LAN…)",
            Action::Open(menu.screen),
        ));
    }
    items.push(item("Enter an address…", Action::Open(Screen::Address)));
    items.push(item("Back", Action::Back));
    let title = if watching {
        "Watch a game"
    } else {
        "Join a game"
    };
    (title.into(), items)
}

fn replay_items(menu: &Menu) -> Vec<Item> {
    let mut items: Vec<Item> = menu
        .replays
        .iter()
        .map(|path| {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            item(name, Action::Replay(path.clone()))
        })
        .collect();
    if items.is_empty() {
        items.push(item("(no recordings in recordings/ yet)", Action::Back));
    }
    items.push(item("Back", Action::Back));
    items
}

/// The recordings in `dir`, newest first (by modification time, then name).
pub fn recordings(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tlrec"))
        .map(|p| {
            let at = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (at, p)
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    found.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_are_listed_newest_first_and_only_recordings() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, age) in [("old.tlrec", 300), ("new.tlrec", 0), ("notes.txt", 0)] {
            let path = dir.path().join(name);
            std::fs::write(&path, b"x").expect("writes");
            let at = std::time::SystemTime::now() - std::time::Duration::from_secs(age);
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("opens");
            file.set_modified(at).expect("sets the time");
        }
        let names: Vec<String> = recordings(dir.path())
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["new.tlrec", "old.tlrec"]);
    }

    #[test]
    fn the_main_screen_offers_every_way_in_and_out() {
        let actions: Vec<Action> = main_items().into_iter().map(|i| i.action).collect();
        assert_eq!(
            actions,
            [
                Action::Play,
                Action::Open(Screen::Host),
                Action::Open(Screen::Join),
                Action::Open(Screen::Watch),
                Action::Open(Screen::Replays),
                Action::Quit,
            ]
        );
    }
}
