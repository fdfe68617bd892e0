//! Entry point of the Confidant desktop app.
// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread starts (it sets an environment variable): see the function.
    confidant_hardening::disable_webkit_compositing();
    confidant_app::run();
}
