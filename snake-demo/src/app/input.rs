//! Arrow keys and WASD steer; Esc quits.

use bevy::prelude::*;
use tickline::bevy::Submit;

use crate::rules::{Dir, SnakeGame, Turn};

/// Keyboard steering for the local player.
pub fn steer(keys: Res<ButtonInput<KeyCode>>, mut submit: MessageWriter<Submit<SnakeGame>>) {
    let bindings = [
        (KeyCode::ArrowUp, Dir::Up),
        (KeyCode::KeyW, Dir::Up),
        (KeyCode::ArrowDown, Dir::Down),
        (KeyCode::KeyS, Dir::Down),
        (KeyCode::ArrowLeft, Dir::Left),
        (KeyCode::KeyA, Dir::Left),
        (KeyCode::ArrowRight, Dir::Right),
        (KeyCode::KeyD, Dir::Right),
    ];
    for (key, dir) in bindings {
        if keys.just_pressed(key) {
            submit.write(Submit::new(Turn(dir)));
        }
    }
}

/// Esc closes the app.
pub fn quit_on_escape(keys: Res<ButtonInput<KeyCode>>, mut exit: MessageWriter<AppExit>) {
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
    }
}
