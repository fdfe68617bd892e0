// Turns the stable error codes from Rust into words a therapist can act on.
// Never shows a raw Rust error string when a code is known.
import type { CommandError, ErrorCode } from "./bindings";

const MESSAGES: Record<ErrorCode, string> = {
  encryption_unavailable:
    "This copy of Confidant was built without encryption and cannot keep notes safe. Please reinstall Confidant.",
  randomness_unavailable: "Your computer could not provide secure random numbers. Restart it and try again.",
  vault_not_found: "There is no vault on this computer yet. Create one to begin.",
  vault_already_exists: "A vault already exists on this computer. Unlock it instead.",
  wrong_passphrase: "That passphrase is not right. Check Caps Lock and your keyboard layout, or use your recovery key.",
  wrong_recovery_key: "This recovery key belongs to a different vault. Check that you have this vault's recovery kit.",
  recovery_key_typo: "The recovery key has a typo. Compare each group of four with your recovery kit.",
  recovery_key_wrong_length: "A recovery key has nine groups of four characters. Some are missing or extra.",
  recovery_key_malformed:
    "The recovery key contains a character recovery keys never use. Compare it with your recovery kit.",
  weak_passphrase: "That passphrase is too easy to guess.",
  too_many_attempts: "Too many wrong attempts in a row.",
  key_file_damaged:
    "The vault's key file (vault.keys) is damaged. Restore it from a backup (below); then your passphrase or recovery key opens the vault. Nothing has been changed.",
  key_file_too_new: "This vault was written by a newer version of Confidant. Update Confidant to open it.",
  database_damaged:
    "The vault's database failed its integrity check. Restore the newest backup (below); your current files are copied aside first. Nothing has been changed.",
  vault_too_new: "This vault was written by a newer version of Confidant. Update Confidant to open it.",
  device_secret_missing:
    "This vault is bound to the computer it was set up on, and this computer's keychain has no key for it. Unlock with your recovery key to move it here.",
  keychain_unavailable:
    "The system keychain is not available. Unlock your keychain (log out and in again), or use your recovery key.",
  vault_in_use:
    "The vault is open in another Confidant window or command. Lock or close that one first, then try again.",
  locked: "The vault is locked. Unlock it first.",
  no_onboarding: "There is no new vault waiting to be set up.",
  recovery_kit_mismatch: "That does not match the last group of your recovery key. Look at the recovery kit again.",
  not_found: "That record no longer exists. It may have been deleted; refresh the list.",
  client_code_taken: "Another client already has that code. Choose a different code.",
  invalid_input: "Please check the highlighted field.",
  signed_note_is_immutable: "This note is signed and can no longer change. Add an addendum to correct it.",
  signer_not_set: "Set your name and credentials in Settings before signing.",
  reauthentication_required: "Psychotherapy notes need your passphrase again. Enter it to continue.",
  destruction_not_confirmed: "Type the client's code exactly to confirm destruction.",
  invalid_setting: "That value is not allowed.",
  io: "Confidant could not read or write the file: the disk or drive reported an error. Check that it is connected and working, then try again.",
  path_not_found:
    "That file or folder does not exist. Check where it is; if it is on a USB stick or an external drive, check that the drive is connected.",
  path_is_folder: "That is a folder, not a file. Choose the file itself.",
  path_not_folder: "That is not a folder. Choose a folder.",
  permission_denied: "Confidant is not allowed to use that place. Choose a folder you can write to, or change its permissions.",
  read_only: "That disk or folder is read-only. Choose another place, or check the drive's write-protection switch.",
  note_not_ready_to_sign: "Some fields need correcting before this note can be signed. The draft is saved.",
  sign_warnings_not_acknowledged: "Read the sign dialog's warnings first; then choose Sign anyway if the note is complete.",
  database: "The vault reported an unexpected error. Nothing was lost; please try again.",
  internal: "Something went wrong inside Confidant. Nothing was changed; please try again.",
  transfer_invalid: "This transfer file cannot be imported: it was altered or is not valid. Nothing was changed.",
  transfer_not_age: "This is not a Confidant transfer file. Check you chose the .confidant file you were sent.",
  transfer_wrong_passphrase: "That passphrase does not open this file. Check it with the sender — it was sent separately.",
  transfer_not_for_this_vault: "This file was encrypted for another key, not this vault's. Ask the sender to use your public key (Settings).",
  transfer_wrong_unlock_method: "This file is opened the other way: switch between passphrase and this vault's key.",
  transfer_excessive_work: "This file asks for too much work to open. Ask the sender to export it again with Confidant.",
  transfer_damaged: "This file is damaged or incomplete. Ask the sender for a new copy. Nothing was changed.",
  transfer_too_large: "This file is larger than a transfer file may be. Nothing was changed.",
  transfer_unexpected_member: "This file holds something a transfer file never has, and was refused. Nothing was changed.",
  transfer_duplicate_member: "This file holds a part twice, and was refused. Nothing was changed.",
  transfer_missing_member: "This file is missing a part. Ask the sender for a new copy.",
  transfer_not_a_file: "This file holds a link instead of a part, and was refused. Nothing was changed.",
  transfer_malformed_archive: "The inside of this file is broken. Ask the sender for a new copy.",
  transfer_malformed_manifest: "This file's list of contents is broken. Ask the sender for a new copy.",
  transfer_unknown_version: "This file comes from a newer Confidant. Update Confidant to open it.",
  transfer_member_mismatch: "A part of this file does not match its list of contents: it was altered. Nothing was changed.",
  transfer_count_mismatch: "This file's list of contents does not match the record: it was altered. Nothing was changed.",
  transfer_malformed_record: "The record inside this file is broken. Ask the sender for a new copy.",
  transfer_bad_recipient: "That is not an age public key. It starts with age1 — ask the recipient to copy it again.",
  pdf_failed: "The PDF could not be made. Nothing was saved; please try again.",
  key_file_missing:
    "The vault's key file (vault.keys) is missing. Restore it from a backup (below); your notes in the database are kept. The recovery key alone cannot open the vault without it.",
  app_already_running:
    "Confidant is already open for this vault in another window. Switch to that window, or quit it and start Confidant again.",
  disk_full: "The disk is full, so this was not saved. Free some space and try again — everything saved before is intact.",
  backup_folder_unavailable: "Backups are paused: the backup folder cannot be used.",
  backup_damaged: "This backup file cannot be used. Choose another backup; nothing was changed.",
  backup_of_another_vault:
    "This backup belongs to a different vault. Restore it into a new folder with the command line instead; nothing was changed.",
  file_not_chosen: "Choose the file again with the Choose… button.",
  clipboard_unavailable: "The clipboard cannot be reached, so nothing was copied. Select the text and copy it instead.",
};

/** The message to show for an error that came back from a command. */
export function messageFor(error: CommandError): string {
  const base = MESSAGES[error.code] ?? "Something went wrong. Please try again.";
  if (error.code === "too_many_attempts" && error.retry_after_seconds != null) {
    return `${base} Wait ${error.retry_after_seconds} s before trying again, or use your recovery key.`;
  }
  if (error.code === "backup_folder_unavailable" || error.code === "backup_damaged") {
    // Built from fixed phrases in Rust ("is full", "the file is truncated"), never from record text.
    return `${base} ${capitalise(error.message.replace(/;[^;]*$/, ""))}.`;
  }
  if (error.code === "weak_passphrase" || error.code === "invalid_setting" || error.code === "invalid_input") {
    // These messages are built from rules, never from record text: show the detail.
    return `${base} ${capitalise(error.message.replace(/^[^:]*: /, ""))}.`;
  }
  return base;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
