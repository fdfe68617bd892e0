// Backup status in Settings: off until a folder is chosen, a failure says why and
// when the last good backup was, "Back up now" reports what was verified.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import BackupSettings from "./BackupSettings.svelte";

afterEach(() => clearMocks());

const OFF = {
  folder: null,
  suggested_folder: "/home/dana/Documents/Confidant backups",
  keep_daily: 7,
  keep_weekly: 4,
  keep_monthly: 12,
  every_hours: 4,
  last_success_at: null,
  last_backup_file: null,
  last_failure_at: null,
  last_failure_code: null,
  changes_since_backup: true,
};

const FILE = {
  path: "/media/usb/confidant-1234abcd-20261201T090000Z.cbak",
  file_name: "confidant-1234abcd-20261201T090000Z.cbak",
  created_at: "2026-12-01T09:00:00Z",
  bytes: 110_000,
};

describe("BackupSettings", () => {
  it("says backups are off and offers a folder", async () => {
    mockIPC((command) => {
      if (command === "backup_overview") return OFF;
      throw new Error(command);
    });
    render(BackupSettings);
    expect(await screen.findByText(/Backups are off/)).toBeTruthy();
    const folder = screen.getByLabelText("Backup folder") as HTMLInputElement;
    expect(folder.value).toBe(OFF.suggested_folder);
    expect((screen.getByRole("button", { name: "Back up now" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows a failed backup with its reason and the last good one", async () => {
    mockIPC((command) => {
      if (command === "backup_overview")
        return {
          ...OFF,
          folder: "/media/usb",
          last_success_at: "2026-11-30T09:00:00Z",
          last_failure_at: "2026-12-01T09:00:00Z",
          last_failure_code: "backup_folder_unavailable",
        };
      if (command === "backup_list") return [FILE];
      throw new Error(command);
    });
    render(BackupSettings);
    const status = await screen.findByTestId("backup-status");
    await screen.findByText(/The last backup failed/);
    expect(status.textContent).toMatch(/backup folder cannot be used/);
    expect(status.textContent).toMatch(/Last good backup/);
  });

  it("backs up now and says what was verified", async () => {
    let made = false;
    mockIPC((command) => {
      if (command === "backup_overview")
        return { ...OFF, folder: "/media/usb", last_success_at: made ? FILE.created_at : null };
      if (command === "backup_list") return made ? [FILE] : [];
      if (command === "backup_now") {
        made = true;
        return { file: FILE, clients: 2, notes: 14, signed_notes: 12, newest_session_date: "2026-11-30", audit_events: 80, safety_copy: null };
      }
      throw new Error(command);
    });
    render(BackupSettings);
    await screen.findByText(/No backup yet/);
    await fireEvent.click(screen.getByRole("button", { name: "Back up now" }));
    expect(await screen.findByText(/Backed up and verified: 14 notes/)).toBeTruthy();
    expect(await screen.findByText(/Last backup: .*verified/)).toBeTruthy();
  });
});
