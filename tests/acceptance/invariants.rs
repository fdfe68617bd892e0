//! The project's invariants (ARCHITECTURE.md), checked so that breaking one fails CI.

use std::process::Command;

use confidant_acceptance_tests::workspace_root;

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace_root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

/// Lists every file below `relative` (skipping generated and dependency folders).
fn files_below(relative: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![workspace_root().join(relative)];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if path.is_dir() {
                if !matches!(name, "node_modules" | "dist" | "target" | "gen") {
                    pending.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn the_core_library_does_not_depend_on_the_desktop_shell() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-p", "confidant-vault", "-e", "normal,build", "--prefix", "none"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("rusqlite"), "cargo tree output looks wrong:\n{tree}");
    for forbidden in ["tauri", "specta", "wry", "webkit2gtk", "tao "] {
        assert!(
            !tree.lines().any(|line| line.starts_with(forbidden)),
            "crates/vault depends on {forbidden}; the core must stay UI-free"
        );
    }
}

#[test]
fn the_app_never_enables_test_or_plaintext_features_of_the_core() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-p", "confidant-app", "-e", "features", "-i", "confidant-vault"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("confidant-vault"), "cargo tree output looks wrong:\n{tree}");
    for feature in ["test-util", "plaintext-baseline"] {
        assert!(!tree.contains(&format!("feature \"{feature}\"")), "the app build turns on confidant-vault/{feature}");
    }
}

#[test]
fn the_core_library_forbids_unsafe_code() {
    let lib = read("crates/vault/src/lib.rs");
    assert!(lib.contains("#![forbid(unsafe_code)]"), "crates/vault/src/lib.rs must forbid unsafe code");
}

#[test]
fn the_core_library_never_prints() {
    for path in files_below("crates/vault/src") {
        let text = std::fs::read_to_string(&path).expect("source file");
        for macro_name in ["println!", "eprintln!", "print!(", "eprint!(", "dbg!"] {
            assert!(
                !text.contains(macro_name),
                "{} uses {macro_name}: a library returns values, printing can leak record text",
                path.display()
            );
        }
    }
}

/// The commands named in src-tauri/build.rs (the app manifest).
fn manifest_commands() -> Vec<String> {
    let build = read("src-tauri/build.rs");
    let start = build.find("APP_COMMANDS: &[&str] = &[").expect("APP_COMMANDS in build.rs");
    let list = &build[start..];
    let list = &list[list.find('[').expect("[") + 1..];
    let list = &list[list.find('[').expect("[") + 1..list.find("];").expect("];")];
    list.split(',').map(|item| item.trim().trim_matches('"').to_owned()).filter(|item| !item.is_empty()).collect()
}

#[test]
fn capabilities_grant_only_our_own_commands() {
    let commands = manifest_commands();
    assert!(!commands.is_empty());
    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).expect("valid json");
    let permissions = capability["permissions"].as_array().expect("permissions list");
    let mut granted = Vec::new();
    // The only core permissions: hearing the vault-locked and lock-warning events.
    let allowed_core = ["core:event:allow-listen", "core:event:allow-unlisten"];
    for permission in permissions {
        let permission = permission.as_str().expect("plain permission identifiers, no scopes");
        if allowed_core.contains(&permission) {
            continue;
        }
        let command = permission
            .strip_prefix("allow-")
            .unwrap_or_else(|| panic!("capability grants {permission}, which is not one of our commands"));
        let command = command.replace('-', "_");
        assert!(commands.contains(&command), "capability grants {permission}, but build.rs does not declare {command}");
        granted.push(command);
    }
    for command in &commands {
        assert!(granted.contains(command), "command {command} is declared but not granted to the main window");
    }
    let shell_lib = read("src-tauri/src/lib.rs");
    for command in &commands {
        assert!(
            shell_lib.contains(&format!("commands::{command}")),
            "command {command} is declared but not registered"
        );
    }
    // One plugin is linked, for native file dialogs opened from Rust; none of its
    // commands is granted above (only `allow-<our command>`), so the web view
    // cannot open a dialog or touch a file through it.
    let shell_manifest = read("src-tauri/Cargo.toml");
    let plugins: Vec<&str> = shell_manifest
        .lines()
        .filter_map(|line| line.trim().strip_prefix("tauri-plugin-"))
        .map(|rest| rest.split(|character: char| !character.is_ascii_alphanumeric()).next().unwrap_or_default())
        .collect();
    assert_eq!(plugins, ["dialog"], "only the dialog plugin, used from Rust, may be linked");
}

#[test]
fn only_the_end_to_end_build_can_answer_file_dialogs_from_outside() {
    let makefile = read("Makefile");
    let mentions: Vec<&str> = makefile.lines().filter(|line| line.contains("test-dialogs")).collect();
    assert!(
        mentions.iter().all(|line| line.trim_start().starts_with('#')
            || line.contains("cargo build -p confidant-app --features test-dialogs")
            || line.contains("cargo clippy -p confidant-app --features test-dialogs")),
        "test-dialogs is enabled somewhere other than the e2e build: {mentions:?}"
    );
    for script in files_below("scripts") {
        let text = std::fs::read_to_string(&script).unwrap_or_default();
        assert!(!text.contains("test-dialogs"), "{} builds with the test dialog hook", script.display());
    }
    let shell = read("src-tauri/src/file_dialogs.rs");
    assert!(shell.contains("#[cfg(feature = \"test-dialogs\")]\n    if let Some(answer) = test_hook::answer(&dialog)"));
    assert!(read("src-tauri/Cargo.toml").contains("default = [\"custom-protocol\"]"), "not on by default");
}

#[test]
fn the_content_security_policy_is_strict() {
    let config: serde_json::Value = serde_json::from_str(&read("src-tauri/tauri.conf.json")).expect("valid json");
    let csp = &config["app"]["security"]["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    let directives = csp.as_object().expect("csp as directives");
    for (name, value) in directives {
        let value = value.as_str().expect("string directive");
        for forbidden in ["'unsafe-inline'", "'unsafe-eval'", "https:", "http:", "*", "wss:"] {
            assert!(!value.split_whitespace().any(|source| source == forbidden), "csp {name} allows {forbidden}");
        }
        for source in value.split_whitespace() {
            if source.starts_with("http") {
                assert_eq!(source, "http://ipc.localhost", "csp {name} names a remote origin {source}");
            }
        }
    }
    assert_eq!(config["app"]["withGlobalTauri"], false);
    assert!(config["app"]["security"]["dangerousDisableAssetCspModification"].is_null());
}

#[test]
fn devtools_are_not_compiled_into_release_builds() {
    let manifest = read("Cargo.toml");
    let tauri_line = manifest.lines().find(|line| line.starts_with("tauri =")).expect("tauri dependency");
    assert!(!tauri_line.contains("devtools"), "the devtools feature would enable the inspector in release builds");
}

#[test]
fn the_ui_never_renders_markup_from_data() {
    for path in files_below("ui/src") {
        if path.extension().is_some_and(|ext| ext == "svelte") {
            let text = std::fs::read_to_string(&path).expect("component");
            assert!(!text.contains("{@html"), "{} uses {{@html}}: render record text as text", path.display());
        }
    }
}

#[test]
fn the_ui_loads_nothing_from_the_network() {
    let mut checked = 0;
    for path in files_below("ui/src").into_iter().chain(std::iter::once(workspace_root().join("ui/index.html"))) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        checked += 1;
        for remote in ["http://", "https://", "//fonts.", "cdn."] {
            assert!(
                !text.contains(remote),
                "{} mentions {remote}: bundle everything, never load from the network",
                path.display()
            );
        }
    }
    assert!(checked > 3, "expected to check the UI sources, found {checked} files");
}
