// The footer shows what Rust reports, and a readable message when it fails.
import { render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import BuildFooter from "./BuildFooter.svelte";

afterEach(() => clearMocks());

describe("BuildFooter", () => {
  it("shows the SQLCipher version reported by the app_info command", async () => {
    mockIPC((command) => {
      if (command === "app_info") return { app_version: "0.1.0", sqlcipher_version: "4.20.0 community" };
      throw new Error(`unexpected command ${command}`);
    });
    render(BuildFooter);
    expect(await screen.findByText("Encrypted with SQLCipher 4.20.0 community")).toBeTruthy();
  });

  it("shows a plain-language message, not the raw error, when encryption is missing", async () => {
    mockIPC(() => {
      throw { code: "encryption_unavailable", message: "raw rust text", retry_after_seconds: null };
    });
    render(BuildFooter);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("built without encryption");
    expect(alert.textContent).not.toContain("raw rust text");
  });
});
