// The strength meter shows Rust's verdict and advice; a mismatch is pointed out.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import NewPassphrase from "./NewPassphrase.svelte";

afterEach(() => clearMocks());

describe("NewPassphrase", () => {
  it("shows the advice for a weak passphrase and the verdict for a strong one", async () => {
    mockIPC((command, args) => {
      if (command !== "passphrase_rate") throw new Error(command);
      const passphrase = (args as { passphrase: string }).passphrase;
      return passphrase.length < 12
        ? { score: 0, acceptable: false, advice: "use at least 12 characters (5 so far)" }
        : { score: 4, acceptable: true, advice: null };
    });
    render(NewPassphrase);
    const input = screen.getByLabelText("Passphrase");
    await fireEvent.input(input, { target: { value: "short" } });
    expect((await screen.findByText(/use at least 12 characters/)).textContent).toContain("Very weak");
    await fireEvent.input(input, { target: { value: "lantern orbit pickle meadow" } });
    expect((await screen.findByText(/Very strong — good/)).textContent).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Type it again"), { target: { value: "lantern orbit" } });
    expect(await screen.findByText("The two passphrases are not the same yet.")).toBeTruthy();
  });
});
