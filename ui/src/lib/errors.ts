// Turns the stable error codes from Rust into words a therapist can act on.
// Never shows a raw Rust error string when a code is known.
import type { CommandError, ErrorCode } from "./bindings";

const MESSAGES: Record<ErrorCode, string> = {
  encryption_unavailable:
    "This copy of Confidant was built without encryption and cannot keep notes safe. Please reinstall Confidant.",
  internal: "Something went wrong inside Confidant. Nothing was changed; please try again.",
};

/** The message to show for an error that came back from a command. */
export function messageFor(error: CommandError): string {
  return MESSAGES[error.code] ?? error.message;
}
