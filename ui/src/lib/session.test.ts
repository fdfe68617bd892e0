// Locking clears every store before the page reloads to the lock screen —
// also when Rust locked on its own (idle, sleep, screen lock).
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { records } from "./records.svelte";
import { listenForLocks, session } from "./session.svelte";

afterEach(() => {
  clearMocks();
  vi.restoreAllMocks();
});

function fillStores() {
  records.clients = [
    {
      id: 1,
      code: "C-0001",
      name: "Sam Doe",
      birth_date: null,
      contact: null,
      status: "active",
      intake_date: null,
      last_service_date: null,
      n_notes: 1,
      retention_date: null,
    },
  ];
  records.client = records.clients[0] ?? null;
  records.note = {
    id: 3,
    client_code: "C-0001",
    content: {
      kind: "progress",
      template: "soap",
      session_date: "2026-11-20",
      start_time: null,
      duration_minutes: null,
      modality: null,
      service_code: null,
      diagnosis_codes: [],
      risk: {},
      sections: { subjective: "Private words" },
    },
    status: "draft",
    signature: null,
    addenda: [],
    created_at: "",
    updated_at: "",
    imported_from: null,
    problems: [],
    copied_from: null,
    copied_sections: [],
    unsaved_content: null,
  };
  session.kitGroups = ["ABCD"];
}

function stubReload() {
  const reload = vi.fn();
  vi.spyOn(window, "location", "get").mockReturnValue({ ...window.location, reload } as Location);
  return reload;
}

describe("locking", () => {
  it("Ctrl+L's lock clears the record stores and reloads", async () => {
    mockIPC((command) => {
      if (command === "vault_lock") return null;
      throw new Error(command);
    });
    const reload = stubReload();
    fillStores();
    await session.lock();
    expect(records.note).toBeNull();
    expect(records.clients).toEqual([]);
    expect(session.kitGroups).toEqual([]);
    expect(reload).toHaveBeenCalled();
  });

  it("a lock announced by Rust clears the stores and reloads too", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const reload = stubReload();
    fillStores();
    const stop = await listenForLocks();
    await emit("vault-locked", { reason: "idle" });
    expect(records.note).toBeNull();
    expect(records.client).toBeNull();
    expect(reload).toHaveBeenCalled();
    try {
      stop();
    } catch {
      // The mocked event plugin may already be gone.
    }
  });
});
