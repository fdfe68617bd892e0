//! Text the app put on the clipboard does not stay there: it is cleared 30 s
//! after the copy, when the vault locks and when the app quits — but only while
//! the clipboard still holds that text, so something the therapist copied later
//! from another program is left alone.
//!
//! Two ways in: the UI's Copy buttons hand the text to [`ClipboardGuard::copy`],
//! and a copy the therapist makes with Ctrl+C inside the window is reported by
//! the UI's `copy` / `cut` listener, after which [`ClipboardGuard::watch`] reads
//! what landed on the clipboard. Only a SHA-256 digest of the text is kept.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// How long copied text stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

/// The operating system's clipboard, or a fake in tests.
pub trait ClipboardBackend: Send {
    /// Puts `text` on the clipboard.
    fn set_text(&mut self, text: &str) -> Result<(), ClipboardUnavailable>;
    /// The clipboard's text, if it holds text.
    fn text(&mut self) -> Option<Zeroizing<String>>;
    /// Empties the clipboard.
    fn clear(&mut self);
}

/// The clipboard is not reachable (no display server, or one we cannot talk to).
#[derive(Debug)]
pub struct ClipboardUnavailable;

struct Armed {
    digest: [u8; 32],
    deadline: Instant,
}

struct GuardState {
    /// Opened on first use: on X11 it serves our text for as long as it lives.
    backend: Option<Box<dyn ClipboardBackend>>,
    armed: Option<Armed>,
    /// A copy in the window was reported but its text not read yet.
    copy_reported: bool,
}

/// Remembers what the app copied and clears it in time.
pub struct ClipboardGuard {
    state: Mutex<GuardState>,
    open_backend: fn() -> Option<Box<dyn ClipboardBackend>>,
    clear_after: Duration,
}

impl std::fmt::Debug for ClipboardGuard {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ClipboardGuard").field("clear_after", &self.clear_after).finish_non_exhaustive()
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl ClipboardGuard {
    /// A guard over the system clipboard that clears after `clear_after`.
    pub fn system(clear_after: Duration) -> Self {
        Self::with_backend(open_system_clipboard, clear_after)
    }

    fn with_backend(open_backend: fn() -> Option<Box<dyn ClipboardBackend>>, clear_after: Duration) -> Self {
        ClipboardGuard {
            state: Mutex::new(GuardState { backend: None, armed: None, copy_reported: false }),
            open_backend,
            clear_after,
        }
    }

    fn state(&self) -> MutexGuard<'_, GuardState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn backend<'a>(
        &self,
        state: &'a mut GuardState,
    ) -> Result<&'a mut Box<dyn ClipboardBackend>, ClipboardUnavailable> {
        if state.backend.is_none() {
            state.backend = (self.open_backend)();
        }
        state.backend.as_mut().ok_or(ClipboardUnavailable)
    }

    /// Copies `text` and arms the clear.
    pub fn copy(&self, text: &str, now: Instant) -> Result<(), ClipboardUnavailable> {
        let mut state = self.state();
        self.backend(&mut state)?.set_text(text)?;
        state.armed = Some(Armed { digest: digest(text), deadline: now + self.clear_after });
        Ok(())
    }

    /// A copy was made inside the window (the page's `copy` event fires before
    /// the clipboard is written): from now on a lock clears the clipboard even
    /// before [`Self::capture_reported_copy`] has read it.
    pub fn report_copy(&self) {
        self.state().copy_reported = true;
    }

    /// Reads what the reported copy put on the clipboard and arms the clear.
    pub fn capture_reported_copy(&self, now: Instant) -> Result<(), ClipboardUnavailable> {
        let mut state = self.state();
        if !std::mem::take(&mut state.copy_reported) {
            // A lock cleared it meanwhile.
            return Ok(());
        }
        let Some(text) = self.backend(&mut state)?.text() else { return Ok(()) };
        if !text.is_empty() {
            state.armed = Some(Armed { digest: digest(&text), deadline: now + self.clear_after });
        }
        Ok(())
    }

    /// Clears the clipboard if its time is up. Called about twice a second.
    pub fn clear_if_due(&self, now: Instant) {
        let due = self.state().armed.as_ref().is_some_and(|armed| now >= armed.deadline);
        if due {
            self.clear_now();
        }
    }

    /// Clears now if the clipboard still holds what the app copied (lock, quit).
    pub fn clear_now(&self) {
        let mut state = self.state();
        let reported = std::mem::take(&mut state.copy_reported);
        let armed = state.armed.take();
        if !reported && armed.is_none() {
            return;
        }
        let Ok(backend) = self.backend(&mut state) else { return };
        // A copy reported a moment ago is ours even though its text was not read yet.
        let still_ours =
            reported || backend.text().is_some_and(|text| armed.is_some_and(|armed| digest(&text) == armed.digest));
        if still_ours {
            backend.clear();
        }
    }

    /// Whether copied text is waiting to be cleared.
    #[cfg(test)]
    fn is_armed(&self) -> bool {
        self.state().armed.is_some()
    }
}

fn open_system_clipboard() -> Option<Box<dyn ClipboardBackend>> {
    arboard::Clipboard::new().ok().map(|clipboard| Box::new(SystemClipboard(clipboard)) as Box<dyn ClipboardBackend>)
}

struct SystemClipboard(arboard::Clipboard);

impl ClipboardBackend for SystemClipboard {
    fn set_text(&mut self, text: &str) -> Result<(), ClipboardUnavailable> {
        self.0.set_text(text).map_err(|_| ClipboardUnavailable)
    }

    fn text(&mut self) -> Option<Zeroizing<String>> {
        self.0.get_text().ok().map(Zeroizing::new)
    }

    fn clear(&mut self) {
        // Some clipboard managers ignore an empty selection; overwrite first.
        let _ = self.0.set_text("");
        let _ = self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// One shared fake clipboard (fn pointers cannot capture), reset per test.
    fn fake_text() -> &'static Mutex<Option<String>> {
        static TEXT: OnceLock<Mutex<Option<String>>> = OnceLock::new();
        TEXT.get_or_init(|| Mutex::new(None))
    }
    static SERIAL: Mutex<()> = Mutex::new(());

    struct Fake;
    impl ClipboardBackend for Fake {
        fn set_text(&mut self, text: &str) -> Result<(), ClipboardUnavailable> {
            *fake_text().lock().unwrap() = Some(text.to_owned());
            Ok(())
        }
        fn text(&mut self) -> Option<Zeroizing<String>> {
            fake_text().lock().unwrap().clone().map(Zeroizing::new)
        }
        fn clear(&mut self) {
            *fake_text().lock().unwrap() = None;
        }
    }

    fn guard() -> (ClipboardGuard, MutexGuard<'static, ()>) {
        let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        *fake_text().lock().unwrap() = None;
        (ClipboardGuard::with_backend(|| Some(Box::new(Fake)), CLEAR_AFTER), serial)
    }

    fn clipboard() -> Option<String> {
        fake_text().lock().unwrap().clone()
    }

    #[test]
    fn copied_text_is_cleared_after_thirty_seconds_not_before() {
        let (guard, _serial) = guard();
        let start = Instant::now();
        guard.copy("Client reports better sleep", start).unwrap();
        guard.clear_if_due(start + Duration::from_secs(29));
        assert_eq!(clipboard().as_deref(), Some("Client reports better sleep"));
        guard.clear_if_due(start + CLEAR_AFTER);
        assert_eq!(clipboard(), None);
        assert!(!guard.is_armed());
    }

    #[test]
    fn lock_clears_at_once() {
        let (guard, _serial) = guard();
        guard.copy("plan: weekly sessions", Instant::now()).unwrap();
        guard.clear_now();
        assert_eq!(clipboard(), None);
    }

    #[test]
    fn text_copied_later_elsewhere_is_left_alone() {
        let (guard, _serial) = guard();
        let start = Instant::now();
        guard.copy("note text", start).unwrap();
        *fake_text().lock().unwrap() = Some("the therapist's shopping list".to_owned());
        guard.clear_if_due(start + CLEAR_AFTER);
        assert_eq!(clipboard().as_deref(), Some("the therapist's shopping list"));
        guard.clear_now();
        assert_eq!(clipboard().as_deref(), Some("the therapist's shopping list"));
    }

    #[test]
    fn a_copy_made_with_ctrl_c_in_the_window_is_watched_and_cleared() {
        let (guard, _serial) = guard();
        let start = Instant::now();
        *fake_text().lock().unwrap() = Some("selected words".to_owned());
        guard.report_copy();
        guard.capture_reported_copy(start).unwrap();
        assert!(guard.is_armed());
        guard.clear_if_due(start + CLEAR_AFTER);
        assert_eq!(clipboard(), None);
    }

    #[test]
    fn a_lock_right_after_ctrl_c_clears_before_the_text_was_read() {
        let (guard, _serial) = guard();
        *fake_text().lock().unwrap() = Some("selected words".to_owned());
        guard.report_copy();
        guard.clear_now();
        assert_eq!(clipboard(), None);
        // The late read finds nothing to arm.
        guard.capture_reported_copy(Instant::now()).unwrap();
        assert!(!guard.is_armed());
    }

    #[test]
    fn no_clipboard_is_an_error_not_a_panic() {
        let guard = ClipboardGuard::with_backend(|| None, CLEAR_AFTER);
        assert!(guard.copy("x", Instant::now()).is_err());
        guard.clear_now();
        guard.clear_if_due(Instant::now());
    }
}
