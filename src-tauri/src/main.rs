//! Entry point of the Confidant desktop app.
// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread starts (they set environment variables): see the functions.
    confidant_hardening::disable_webkit_compositing();
    confidant_hardening::disable_javascript_jit();
    confidant_app::run();
}
