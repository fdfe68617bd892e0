//! Locks the vault without being asked: after the idle time, when the computer
//! goes to sleep, when the screen locks and on quit. First the web view gets a
//! moment to save what is typed (`LockPending` → `lock_ready`); then the vault
//! locks and the web view reloads to the lock screen.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use confidant_vault::{LockReason, Session};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::clipboard::ClipboardGuard;
use crate::dto::{LockPending, LockWarning, VaultLocked};

/// Seconds before the idle lock when the warning starts.
const WARNING_SECONDS: u64 = 30;

/// The handshake between "about to lock" and the lock: the web view saves its
/// drafts and answers with the ticket. A newer request makes older answers void.
#[derive(Debug, Default)]
pub struct LockHandshake {
    /// The newest ticket and whether the web view answered it.
    ticket: Mutex<(u32, bool)>,
    answered: Condvar,
}

impl LockHandshake {
    fn begin(&self) -> u32 {
        let mut ticket = self.ticket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        ticket.0 = ticket.0.wrapping_add(1);
        ticket.1 = false;
        ticket.0
    }

    /// The web view saved what was typed for this ticket.
    pub fn ready(&self, ticket: u32) {
        let mut current = self.ticket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.0 == ticket {
            current.1 = true;
            self.answered.notify_all();
        }
    }

    /// Waits for the answer to `ticket`, at most `timeout`. Returns whether it came.
    fn wait(&self, ticket: u32, timeout: Duration) -> bool {
        let current = self.ticket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (current, _) = self
            .answered
            .wait_timeout_while(current, timeout, |current| current.0 == ticket && !current.1)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        current.0 == ticket && current.1
    }
}

/// How long the web view gets to save before a lock: long enough for a save on
/// a busy machine, short enough that a hung page never holds the lock up. On
/// sleep, the computer does not wait for us: a glance only.
fn save_time(reason: LockReason) -> Duration {
    match reason {
        LockReason::Suspend => Duration::from_millis(400),
        _ => Duration::from_secs(3),
    }
}

/// Asks the web view to save what is typed, waits for it (briefly), then locks
/// and tells the web view. Whatever the web view could not save is with the
/// session already and is sealed by the lock. An idle lock is called off if the
/// therapist came back meanwhile.
pub fn lock_after_saving(app: &AppHandle, reason: LockReason) {
    let session = app.state::<Session>();
    if !session.is_unlocked() {
        return;
    }
    let handshake = app.state::<LockHandshake>();
    let ticket = handshake.begin();
    if (LockPending { ticket, reason: reason.as_str().to_owned() }).emit(app).is_ok() {
        handshake.wait(ticket, save_time(reason));
    }
    if reason == LockReason::Idle && !session.is_idle_too_long(Instant::now()) {
        return;
    }
    lock_and_notify(app, reason);
}

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
    if session.is_idle_too_long(now) {
        lock_after_saving(app, LockReason::Idle);
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
                    super::lock_after_saving(&sleep_app, LockReason::Suspend);
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
                        super::lock_after_saving(&app, LockReason::ScreenLocked);
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
