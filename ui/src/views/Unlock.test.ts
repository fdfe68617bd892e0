// The lock screen tells the therapist exactly what went wrong, in plain words.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import Unlock from "./Unlock.svelte";

afterEach(() => clearMocks());

function mockUnlock(error: object | null) {
  const calls: unknown[] = [];
  mockIPC((command, args) => {
    if (command === "app_info") return { app_version: "0.1.0", sqlcipher_version: "4.20.0 community" };
    if (command === "vault_unlock") {
      calls.push(args);
      if (error) throw error;
      return null;
    }
    if (command === "vault_status") return null;
    throw new Error(`unexpected command ${command}`);
  });
  return calls;
}

async function typeAndSubmit(passphrase: string) {
  const input = screen.getByLabelText("Passphrase") as HTMLInputElement;
  await fireEvent.input(input, { target: { value: passphrase } });
  await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
}

describe("Unlock", () => {
  it("says the passphrase is wrong and clears the field", async () => {
    const calls = mockUnlock({ code: "wrong_passphrase", message: "wrong passphrase; …", retry_after_seconds: null });
    render(Unlock);
    await typeAndSubmit("not it at all");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("That passphrase is not right");
    expect(calls).toEqual([{ passphrase: "not it at all" }]);
    expect((screen.getByLabelText("Passphrase") as HTMLInputElement).value).toBe("");
  });

  it("says how long to wait after too many attempts", async () => {
    mockUnlock({ code: "too_many_attempts", message: "too many wrong attempts", retry_after_seconds: 20 });
    render(Unlock);
    await typeAndSubmit("again wrong");
    expect((await screen.findByRole("alert")).textContent).toContain("Wait 20 s before trying again");
  });

  it("points to the recovery key when this computer's keychain has no key", async () => {
    mockUnlock({ code: "device_secret_missing", message: "…", retry_after_seconds: null });
    render(Unlock);
    await typeAndSubmit("lantern orbit pickle meadow");
    expect((await screen.findByRole("alert")).textContent).toContain("Unlock with your recovery key");
  });
});
