// Every stable error code has its own plain-language message.
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "./bindings";
import { messageFor } from "./errors";

describe("messageFor", () => {
  it("never shows the raw Rust message for a known code", () => {
    const codes: ErrorCode[] = ["wrong_passphrase", "key_file_damaged", "database_damaged", "recovery_key_typo"];
    for (const code of codes) {
      const message = messageFor({ code, message: "RAW", retry_after_seconds: null });
      expect(message).not.toContain("RAW");
      expect(message.length).toBeGreaterThan(20);
    }
  });

  it("adds the rule to a weak-passphrase message", () => {
    const message = messageFor({
      code: "weak_passphrase",
      message: "this passphrase is too easy to guess: use at least 12 characters (4 so far)",
      retry_after_seconds: null,
    });
    expect(message).toBe("That passphrase is too easy to guess. Use at least 12 characters (4 so far).");
  });

  it("says why a backup folder cannot be used, without the rest of the Rust sentence", () => {
    const message = messageFor({
      code: "backup_folder_unavailable",
      message:
        "the backup folder does not exist (is the drive connected?); backups are paused until it is fixed (your vault keeps working)",
      retry_after_seconds: null,
    });
    expect(message).toBe(
      "Backups are paused: the backup folder cannot be used. The backup folder does not exist (is the drive connected?).",
    );
  });
});
