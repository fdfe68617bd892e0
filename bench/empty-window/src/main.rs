//! An empty Tauri window: the floor Confidant's start-up and memory are measured
//! against (docs/benchmarks.md). With `CONFIDANT_STARTUP_PROBE=1` it prints
//! `startup-probe: ready` when the page has loaded, the same hook Confidant uses.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::webview::PageLoadEvent;
use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    // Built the same way as Confidant, which turns accelerated compositing and
    // JavaScriptCore's JIT off (`confidant_hardening::disable_webkit_compositing`,
    // `disable_javascript_jit`).
    for (name, value) in [("WEBKIT_DISABLE_COMPOSITING_MODE", "1"), ("JSC_useJIT", "0")] {
        if std::env::var_os(name).is_none() {
            // SAFETY: first thing in main, before any thread exists.
            unsafe { std::env::set_var(name, value) };
        }
    }
    let probe = std::env::var_os("CONFIDANT_STARTUP_PROBE").is_some();
    tauri::Builder::default()
        .on_page_load(move |_webview, payload| {
            if probe && payload.event() == PageLoadEvent::Finished {
                println!("startup-probe: page-load-finished");
                println!("startup-probe: ready");
            }
        })
        .setup(|app| {
            // The same window as Confidant's (lib.rs `run()`).
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Empty window")
                .inner_size(1280.0, 800.0)
                .min_inner_size(900.0, 600.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the empty window failed to start");
}
