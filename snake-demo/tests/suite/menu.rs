//! The main menu in real windows, driven with keys by xdotool in a virtual X
//! display: a player opens the menu and hosts (the join code large on the
//! screen), a second player in another network namespace (a LAN of the test's
//! own) opens the join screen, picks the game from the live LAN list, types
//! the code and plays; Esc brings the player back to the menu. Screenshots of
//! the menu, the host screen and the joined game are checked. Needs root,
//! `ip`, Xvfb and xdotool, as `.ci/run` installs; without them it fails and
//! says what is missing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{wait_for_line, wait_for_tick};
use crate::netns::Lan;
use crate::window::{PLAYERS, TILE, load, near, tinted};

const LIMIT: Duration = Duration::from_secs(120);

/// A virtual X display, stopped when dropped.
struct Display {
    xvfb: Child,
    name: String,
}

impl Display {
    /// Xvfb on a display number it picks itself (`-displayfd`), so that no
    /// other X server on the machine, a leftover one included, is ever used.
    fn start() -> Display {
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1280x720x24"])
            .args(["-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is needed: apt-get install xvfb (as .ci/run does)");
        let stdout = xvfb.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let number = rx
            .recv_timeout(Duration::from_secs(30))
            .ok()
            .and_then(|l| l.trim().parse::<u32>().ok())
            .expect("Xvfb did not say which display it serves");
        Display {
            xvfb,
            name: format!(":{number}"),
        }
    }

    fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.name)
            .output()
            .expect("xdotool is needed: apt-get install xdotool (as .ci/run does)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The window of `app`, once it is open: the one xdotool finds by the
    /// app's process id or, where the window carries no id, the one Tickline
    /// window on this display that is not in `others`. The pointer is parked
    /// in a corner, off every item (keys drive the menu). Fails early, with
    /// the app's stderr, if the app exits.
    fn window_of(&self, app: &mut MenuApp, others: &[&str]) -> String {
        let deadline = Instant::now() + LIMIT;
        let pid = app.child.id().to_string();
        loop {
            let by_pid = self.xdotool(&["search", "--all", "--pid", &pid, "--name", "Tickline"]);
            let by_name = self.xdotool(&["search", "--name", "Tickline"]);
            let found = by_pid.lines().next().or_else(|| {
                let new: Vec<&str> = by_name.lines().filter(|w| !others.contains(w)).collect();
                (new.len() == 1).then(|| new[0])
            });
            if let Some(w) = found {
                self.xdotool(&["mousemove", "2", "715"]);
                return w.to_owned();
            }
            if let Ok(Some(status)) = app.child.try_wait() {
                panic!(
                    "the app exited ({status}) before its window opened: {}",
                    app.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no window for process {pid} on {}: {}",
                self.name,
                app.stderr()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Focuses `window` and presses `keys`, 400 ms apart (a frame of the
    /// software renderer must see each).
    fn keys(&self, window: &str, keys: &[&str]) {
        self.xdotool(&["windowfocus", "--sync", window]);
        let mut args = vec!["key", "--delay", "400"];
        args.extend_from_slice(keys);
        self.xdotool(&args);
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// A menu app: its process, its stdout lines, its working folder.
struct MenuApp {
    child: Child,
    lines: mpsc::Receiver<String>,
    dir: tempfile::TempDir,
}

impl MenuApp {
    fn start(mut cmd: Command, display: &Display) -> MenuApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = cmd
            .args([
                "--screenshot-dir",
                &dir.path().join("shots").to_string_lossy(),
            ])
            .current_dir(dir.path())
            .env("DISPLAY", &display.name)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("log file"))
            .spawn()
            .expect("spawns");
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        MenuApp { child, lines, dir }
    }

    /// The last lines the app wrote to stderr.
    fn stderr(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Waits for a stdout line starting with `prefix`: its rest.
    fn line_after(&self, prefix: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.to_owned();
                    }
                }
                Err(_) => panic!("no line starting {prefix:?}"),
            }
        }
    }

    /// F12, and the screenshot once it is written.
    fn screenshot(&self, display: &Display, window: &str) -> PathBuf {
        display.keys(window, &["F12"]);
        let path = PathBuf::from(self.line_after("screenshot: "));
        let deadline = Instant::now() + LIMIT;
        while !std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
            assert!(
                Instant::now() < deadline,
                "no screenshot at {}",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The file is complete once its size stops changing.
        let mut size = 0;
        while std::fs::metadata(&path).map_or(0, |m| m.len()) != size {
            size = std::fs::metadata(&path).map_or(0, |m| m.len());
            std::thread::sleep(Duration::from_millis(200));
        }
        path
    }
}

impl MenuApp {
    /// Screenshots until one shows `what` (`shows` says so): the first frames
    /// of a screen may still be on their way to the window.
    fn screenshot_showing(
        &self,
        display: &Display,
        window: &str,
        what: &str,
        shows: impl Fn(&Path) -> bool,
    ) -> PathBuf {
        let deadline = Instant::now() + LIMIT;
        loop {
            let shot = self.screenshot(display, window);
            if shows(&shot) {
                return shot;
            }
            assert!(
                Instant::now() < deadline,
                "no screenshot shows {what}: {}",
                shot.display()
            );
        }
    }
}

impl Drop for MenuApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pixels close to `color`.
fn count(path: &Path, color: (u8, u8, u8)) -> usize {
    let (_, _, pixels) = load(path);
    pixels.iter().filter(|p| near(**p, color, 6)).count()
}

#[test]
fn the_menu_hosts_and_a_player_on_the_lan_joins_from_the_list() {
    let display = Display::start();
    let lan = Lan::new();
    let mut host = MenuApp::start(lan.snake(0, &["menu", "--name", "alice"]), &display);
    let host_window = display.window_of(&mut host, &[]);
    wait_for_line(&host.lines, "menu: main", LIMIT);
    let focus_green = (64, 140, 89);
    host.screenshot_showing(&display, &host_window, "the menu's chosen item", |shot| {
        count(shot, focus_green) > 10_000
    });

    display.keys(&host_window, &["Down", "Return"]);
    wait_for_line(&host.lines, "menu: host", LIMIT);
    display.keys(&host_window, &["Down", "Down", "Down", "Return"]);
    let code = host.line_after("join code: ");
    wait_for_line(&host.lines, "menu: playing", LIMIT);
    let banner = (250, 230, 90);
    host.screenshot_showing(&display, &host_window, "the board and the code", |shot| {
        count(shot, banner) > 500 && count(shot, TILE[0]) + count(shot, TILE[1]) > 50_000
    });

    let mut guest = MenuApp::start(lan.snake(1, &["menu", "--name", "bob"]), &display);
    let guest_window = display.window_of(&mut guest, &[&host_window]);
    wait_for_line(&guest.lines, "menu: main", LIMIT);
    display.keys(&guest_window, &["Down", "Down", "Return"]);
    wait_for_line(&guest.lines, "menu: join", LIMIT);
    let listed = guest.line_after("lan: ");
    assert!(listed.starts_with("\"alice's game\" at "), "{listed}");
    assert!(
        listed.ends_with(&format!("{}:5000", lan.addr(0))),
        "{listed}"
    );
    display.keys(&guest_window, &["Return"]);
    wait_for_line(&guest.lines, "menu: code", LIMIT);
    display.xdotool(&["windowfocus", "--sync", &guest_window]);
    display.xdotool(&["type", "--delay", "200", &code]);
    display.keys(&guest_window, &["Down", "Return"]);
    wait_for_line(&guest.lines, "menu: playing", LIMIT);
    let rec = first_file(&guest.dir.path().join("recordings"));
    let joined_at = tickline::record::Recording::<snake_demo::rules::SnakeGame>::open(&rec)
        .map_or(0, |r| r.start_tick().0);
    wait_for_tick(&rec, joined_at + 45, LIMIT);
    guest.screenshot_showing(&display, &guest_window, "two players' snakes", |shot| {
        let (_, _, pixels) = load(shot);
        let colours = PLAYERS
            .iter()
            .filter(|c| pixels.iter().filter(|p| tinted(**p, **c)).count() > 100)
            .count();
        colours >= 2
    });

    display.keys(&guest_window, &["Escape"]);
    wait_for_line(&guest.lines, "menu: main", LIMIT);
}

/// The first file to appear in `dir`.
fn first_file(dir: &Path) -> PathBuf {
    let deadline = Instant::now() + LIMIT;
    loop {
        let found = std::fs::read_dir(dir)
            .ok()
            .and_then(|mut d| d.find_map(Result::ok))
            .map(|e| e.path());
        if let Some(path) = found {
            return path;
        }
        assert!(Instant::now() < deadline, "nothing in {}", dir.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}
