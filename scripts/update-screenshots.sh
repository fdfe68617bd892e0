#!/usr/bin/env bash
# Copies the end-to-end screenshots the docs use from target/e2e-shots (written by
# `make e2e`) into docs/screenshots. Run after `make e2e`; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
shots=target/e2e-shots
names=(
  create-vault recovery-kit note-draft-saved sign-dialog note-signed-with-addendum
  note-copied search-palette lock-warning auto-locked settings settings-dark
  accounting-of-disclosures psychotherapy-reauthenticate workspace-1920x1080
  wrong-passphrase export-dialog export-done import-preview print-dialog
  backup-settings backup-restore-preview restore-lost-key-file imported-note
  onboarding-backups draft-invalid-code-kept sign-dialog-warnings note-signed-all-fields
  spell-check privacy-screen backup-reminder first-client-names-shown
)
mkdir -p docs/screenshots
for name in "${names[@]}"; do
  if [ ! -f "$shots/$name.png" ]; then
    echo "missing $shots/$name.png: run \`make e2e\` first" >&2
    exit 1
  fi
  cp "$shots/$name.png" "docs/screenshots/$name.png"
done
echo "copied ${#names[@]} screenshots into docs/screenshots"
