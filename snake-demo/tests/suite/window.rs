//! The game in a real window under Xvfb: `play` runs, saves a screenshot, and the
//! picture shows the grid, the snakes' colours and the scoreboard. Fails, saying
//! what to install, where `xvfb-run` is missing (`.ci/run` installs it): a test
//! that skips would pass without testing anything.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

/// The board tile's colours, and the players' (see `app::player_color`).
pub(crate) const TILE: [(u8, u8, u8); 2] = [(30, 33, 41), (44, 48, 58)];
pub(crate) const PLAYERS: [(u8, u8, u8); 4] = [
    (80, 200, 120),
    (90, 160, 255),
    (255, 170, 60),
    (220, 90, 220),
];

pub(crate) fn near(p: (u8, u8, u8), q: (u8, u8, u8), tolerance: i32) -> bool {
    (i32::from(p.0) - i32::from(q.0)).abs() <= tolerance
        && (i32::from(p.1) - i32::from(q.1)).abs() <= tolerance
        && (i32::from(p.2) - i32::from(q.2)).abs() <= tolerance
}

/// A tinted sprite pixel: the player's colour scaled by the sprite's shade (0.8–1.0).
pub(crate) fn tinted(p: (u8, u8, u8), color: (u8, u8, u8)) -> bool {
    (80..=100).any(|s| {
        let scale = |c: u8| (u16::from(c) * s / 100) as u8;
        near(p, (scale(color.0), scale(color.1), scale(color.2)), 6)
    })
}

#[test]
fn the_window_shows_grid_snakes_and_scoreboard() {
    let xvfb = Command::new("xvfb-run")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        xvfb.is_ok(),
        "xvfb-run is not installed: apt-get install xvfb xauth mesa-vulkan-drivers (as .ci/run does)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let shot = dir.path().join("shot.png");
    let rec = dir.path().join("game.tlrec");
    let out = under_xvfb(&[
        "play",
        "--seed",
        "5",
        "--record",
        &rec.to_string_lossy(),
        "--screenshot",
        &shot.to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (w, h, pixels) = load(&shot);
    let pixel = |x: usize, y: usize| pixels[y * w + x];
    let grid = pixels
        .iter()
        .filter(|p| TILE.iter().any(|t| near(**p, *t, 3)))
        .count();
    assert!(
        grid > w * h / 5,
        "the grid covers much of the window: {grid} pixels"
    );
    // Four players; one may be waiting to respawn when the picture is taken.
    let per_colour: Vec<usize> = PLAYERS
        .iter()
        .map(|c| pixels.iter().filter(|p| tinted(**p, *c)).count())
        .collect();
    let colours = per_colour.iter().filter(|n| **n > 150).count();
    assert!(
        colours >= 2,
        "snakes in distinct colours are visible: {per_colour:?}"
    );
    assert!(
        per_colour.iter().sum::<usize>() > 1200,
        "snake bodies are drawn: {per_colour:?}"
    );
    // The scoreboard: a panel at the top right with light text on it.
    let panel: Vec<_> = (20..140)
        .flat_map(|y| (w - 230..w - 20).map(move |x| (x, y)))
        .map(|(x, y)| pixel(x, y))
        .collect();
    let text = panel
        .iter()
        .filter(|p| p.0 > 180 && p.1 > 180 && p.2 > 180)
        .count();
    let coloured_text = panel
        .iter()
        .filter(|p| PLAYERS.iter().any(|c| near(**p, *c, 40)))
        .count();
    assert!(
        text > 100,
        "the scoreboard title is drawn ({text} light pixels)"
    );
    assert!(
        coloured_text > 100,
        "player names in their colours ({coloured_text} pixels)"
    );

    // The replay viewer on the game just recorded: the board and the timeline bar.
    let view = dir.path().join("viewer.png");
    let out = under_xvfb(&[
        "replay",
        &rec.to_string_lossy(),
        "--to-tick",
        "20",
        "--screenshot",
        &view.to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, pixels) = load(&view);
    let grid = pixels
        .iter()
        .filter(|p| TILE.iter().any(|t| near(**p, *t, 3)))
        .count();
    assert!(
        grid > w * h / 5,
        "the viewer draws the board: {grid} pixels"
    );
    let bar_row = h - 47;
    let filled = (0..w)
        .filter(|x| near(pixels[bar_row * w + x], (90, 160, 255), 8))
        .count();
    assert!(
        filled > 5 && filled < w / 2,
        "the timeline shows early progress ({filled} px filled)"
    );
}

/// Runs `snake-demo ARGS` in a virtual X display, with a deadline.
fn under_xvfb(args: &[&str]) -> std::process::Output {
    let child = Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            env!("CARGO_BIN_EXE_snake-demo"),
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    common::wait(
        child,
        Duration::from_secs(180),
        &format!("{} under Xvfb", args[0]),
    )
}

/// Width, height and RGB pixels of a PNG.
pub(crate) fn load(path: &std::path::Path) -> (usize, usize, Vec<(u8, u8, u8)>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("screenshot saved"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("decodes");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let (w, h) = (info.width as usize, info.height as usize);
    assert!(w >= 1000 && h >= 600, "window size {w}x{h}");
    let pixels = buf
        .chunks(channels)
        .take(w * h)
        .map(|c| (c[0], c[1], c[2]))
        .collect();
    (w, h, pixels)
}
