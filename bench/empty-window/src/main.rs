//! An empty Tauri window: the floor Confidant's start-up and memory are measured
//! against (docs/benchmarks.md). With `CONFIDANT_STARTUP_PROBE=1` it prints
//! `startup-probe: ready` when the page has loaded, the same hook Confidant uses.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::webview::PageLoadEvent;
use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
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
