//! Locks the vault without being asked: after the idle time, when the computer
//! goes to sleep and when the screen locks. Tells the web view, which reloads
//! to the lock screen.

use std::time::{Duration, Instant};

use confidant_vault::{LockReason, Session};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::clipboard::ClipboardGuard;
use crate::dto::{LockWarning, VaultLocked};

/// Seconds before the idle lock when the warning starts.
const WARNING_SECONDS: u64 = 30;

/// Starts the watchers on background threads.
pub fn start(app: &AppHandle) {
    let idle_app = app.clone();
    std::thread::Builder::new()
        .name("confidant-idle-lock".to_owned())
        .spawn(move || watch_idle(&idle_app))
        .expect("the idle-lock thread starts");
    os_signals::start(app);
}

fn watch_idle(app: &AppHandle) {
    let mut was_unlocked = false;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        // A panic in one round must not stop auto-lock for the rest of the day.
        let round = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_idle(app, &mut was_unlocked)));
        if round.is_err() {
            lock_and_notify(app, LockReason::Idle);
        }
    }
}

fn check_idle(app: &AppHandle, was_unlocked: &mut bool) {
    let session = app.state::<Session>();
    let now = Instant::now();
    let clipboard = app.state::<ClipboardGuard>();
    clipboard.clear_if_due(now);
    let unlocked = session.seconds_until_idle_lock(now).is_some();
    if std::mem::replace(was_unlocked, unlocked) && !unlocked {
        // Just locked, however it happened: nothing copied from the record stays behind.
        clipboard.clear_now();
    }
    if session.lock_if_idle(now) {
        notify_locked(app, LockReason::Idle);
        return;
    }
    if let Some(seconds_left) = session.seconds_until_idle_lock(now).filter(|seconds| *seconds <= WARNING_SECONDS) {
        let _ = LockWarning { seconds_left: u32::try_from(seconds_left).unwrap_or(0) }.emit(app);
    }
}

/// Locks for `reason` and tells the web view, if a vault was open.
pub fn lock_and_notify(app: &AppHandle, reason: LockReason) {
    if app.state::<Session>().lock(reason) {
        notify_locked(app, reason);
    }
}

fn notify_locked(app: &AppHandle, reason: LockReason) {
    app.state::<ClipboardGuard>().clear_now();
    let _ = VaultLocked { reason: reason.as_str().to_owned() }.emit(app);
}

#[cfg(target_os = "linux")]
mod os_signals {
    //! logind's PrepareForSleep (system bus) and the freedesktop / GNOME
    //! ScreenSaver ActiveChanged signal (session bus), via libdbus.

    use std::time::Duration;

    use confidant_vault::LockReason;
    use dbus::blocking::Connection;
    use dbus::message::MatchRule;
    use tauri::AppHandle;

    pub fn start(app: &AppHandle) {
        let sleep_app = app.clone();
        spawn("confidant-sleep-watch", move || {
            let connection = Connection::new_system()?;
            let rule = MatchRule::new_signal("org.freedesktop.login1.Manager", "PrepareForSleep");
            connection.add_match(rule, move |(going_to_sleep,): (bool,), _, _| {
                if going_to_sleep {
                    super::lock_and_notify(&sleep_app, LockReason::Suspend);
                }
                true
            })?;
            loop {
                connection.process(Duration::from_secs(60))?;
            }
        });
        let screen_app = app.clone();
        spawn("confidant-screen-watch", move || {
            let connection = Connection::new_session()?;
            for interface in ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"] {
                let app = screen_app.clone();
                let rule = MatchRule::new_signal(interface, "ActiveChanged");
                connection.add_match(rule, move |(active,): (bool,), _, _| {
                    if active {
                        super::lock_and_notify(&app, LockReason::ScreenLocked);
                    }
                    true
                })?;
            }
            loop {
                connection.process(Duration::from_secs(60))?;
            }
        });
    }

    /// Runs a watcher; without that bus (a container, a minimal desktop) the
    /// app still locks on idle, Ctrl+L and quit.
    fn spawn(name: &str, watcher: impl FnOnce() -> Result<(), dbus::Error> + Send + 'static) {
        let thread_name = name.to_owned();
        let _ = std::thread::Builder::new().name(thread_name.clone()).spawn(move || {
            if let Err(error) = watcher() {
                eprintln!("{thread_name}: not watching ({})", error.name().unwrap_or("no bus"));
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
mod os_signals {
    pub fn start(_app: &tauri::AppHandle) {}
}
