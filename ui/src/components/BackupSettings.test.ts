// Backup status in Settings: off until a folder is chosen (a suggested one, or
// one picked in the system's folder dialog — never a typed path), a failure says
// why and when the last good backup was, "Back up now" reports what was verified,
// and a refused rotation value stays in its field.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import BackupSettings from "./BackupSettings.svelte";

afterEach(() => clearMocks());

const OFF = {
  folder: null,
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
  it("says backups are off and offers a folder to make, or one to choose", async () => {
    const calls: string[] = [];
    mockIPC((command, args) => {
      calls.push(command);
      if (command === "backup_overview") return calls.includes("backup_folder_use_suggestion") ? { ...OFF, folder: "/home/dana/Confidant backups" } : OFF;
      if (command === "backup_folder_suggestions") return [{ path: "/home/dana/Confidant backups", drive: null, exists: false }];
      if (command === "backup_list") return [];
      if (command === "backup_folder_use_suggestion") {
        expect(args).toEqual({ path: "/home/dana/Confidant backups" });
        return { overview: { ...OFF, folder: "/home/dana/Confidant backups" }, first_backup: { file: FILE, clients: 1, notes: 1, signed_notes: 0, newest_session_date: null, audit_events: 9, safety_copy: null }, first_backup_problem: null };
      }
      throw new Error(command);
    });
    render(BackupSettings);
    expect(await screen.findByText(/Backups are off/)).toBeTruthy();
    expect((await screen.findByTestId("suggested-folder")).textContent).toBe("/home/dana/Confidant backups");
    expect(screen.getByRole("button", { name: "Choose another folder…" })).toBeTruthy();
    expect(document.querySelectorAll("input[type=text], input:not([type])").length).toBe(0);
    await fireEvent.click(screen.getByText("Use this folder"));
    expect(await screen.findByText(/The first one is made and verified/)).toBeTruthy();
  });

  it("keeps a refused rotation value in its field", async () => {
    mockIPC((command) => {
      if (command === "backup_overview") return { ...OFF, folder: "/media/usb" };
      if (command === "backup_list") return [];
      if (command === "backup_policy_set") throw { code: "invalid_setting", message: "daily backups kept must be between 0 and 366", retry_after_seconds: null };
      throw new Error(command);
    });
    render(BackupSettings);
    await screen.findByTestId("backup-folder");
    const daily = screen.getByLabelText("Daily backups kept") as HTMLInputElement;
    await fireEvent.input(daily, { target: { value: "400" } });
    await fireEvent.submit(daily.closest("form") as HTMLFormElement);
    expect(await screen.findByRole("alert")).toBeTruthy();
    expect(daily.value).toBe("400");
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
