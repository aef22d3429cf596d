//! SIGTERM, SIGINT and SIGHUP as a graceful stop: the first one asks the game or
//! server to stop (goodbyes said, recordings finished, exit 0); a second one
//! ends the process at once, for a stop that hangs.

use std::sync::atomic::{AtomicU8, Ordering};

use bevy::prelude::*;

/// Signals received so far.
static RECEIVED: AtomicU8 = AtomicU8::new(0);

/// The exit status after a second signal (128 + SIGINT, as shells report it).
const FORCED_EXIT: i32 = 130;

/// Installs the handler (once per process; later calls do nothing).
///
/// # Errors
///
/// One line when the handler cannot be installed.
pub fn install() -> Result<(), String> {
    match ctrlc::try_set_handler(|| {
        if RECEIVED.fetch_add(1, Ordering::SeqCst) > 0 {
            std::process::exit(FORCED_EXIT);
        }
    }) {
        Ok(()) | Err(ctrlc::Error::MultipleHandlers) => Ok(()),
        Err(e) => Err(format!("cannot handle SIGTERM/SIGINT: {e}")),
    }
}

/// Whether a stop was asked for.
pub fn stop_requested() -> bool {
    RECEIVED.load(Ordering::SeqCst) > 0
}

/// Exits the app successfully once a stop was asked for (the session plugin
/// then leaves the session gracefully).
pub fn exit_on_signal(mut exit: MessageWriter<AppExit>) {
    if stop_requested() {
        exit.write(AppExit::Success);
    }
}
