// The note editor as a therapist meets it: a field problem is shown on its field
// and blocks only the signature; the sign dialog lists the gaps and signing past
// them is one deliberate click; a signed note shows every field it signed.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NoteDto, SignCheckDto } from "../lib/bindings";
import { records } from "../lib/records.svelte";
import NoteEditor from "./NoteEditor.svelte";

const SOAP = {
  id: "soap",
  name: "SOAP",
  kinds: ["progress" as const],
  default_for: ["progress" as const],
  sections: [
    { key: "subjective", heading: "Subjective", hint: "What the client reports" },
    { key: "objective", heading: "Objective", hint: "" },
    { key: "assessment", heading: "Assessment", hint: "" },
    { key: "plan", heading: "Plan", hint: "" },
  ],
};

function note(overrides: Partial<NoteDto> = {}): NoteDto {
  return {
    id: 7,
    client_code: "C-0001",
    content: {
      kind: "progress",
      template: "soap",
      session_date: "2026-11-20",
      start_time: "14:00",
      duration_minutes: 20,
      modality: "video",
      service_code: "9O834",
      diagnosis_codes: ["F41.1"],
      risk: { suicidal_ideation: "denied" },
      sections: { subjective: "Reports panic attacks at work." },
    },
    status: "draft",
    signature: null,
    addenda: [],
    created_at: "2026-11-20T14:00:00Z",
    updated_at: "2026-11-20T14:50:00Z",
    imported_from: null,
    problems: [
      {
        field: "service_code",
        key: null,
        message: "A CPT code is five characters: four digits, then a digit, F or T (e.g. 90837).",
      },
    ],
    copied_from: null,
    copied_sections: [],
    unsaved_content: null,
    ...overrides,
  };
}

type Calls = { command: string; args: Record<string, unknown> }[];

function mockBackend(check: SignCheckDto, signed = note()): Calls {
  const calls: Calls = [];
  mockIPC((command, args) => {
    calls.push({ command, args: args as Record<string, unknown> });
    if (command === "note_save") return note();
    if (command === "signer_get") return { name: "Dana Reyes", credentials: "PsyD" };
    if (command === "note_sign_check") return check;
    if (command === "note_sign") return signed;
    if (command === "client_list") return [];
    if (command === "spelling_check") return [];
    throw new Error(command);
  });
  return calls;
}

beforeEach(() => {
  records.templates = [SOAP];
  records.chart = [];
});
afterEach(() => clearMocks());

describe("NoteEditor", () => {
  it("marks the field with a problem beside it, and says how many fields to check", () => {
    mockBackend({ problems: [], warnings: [] });
    render(NoteEditor, { note: note() });
    const cpt = screen.getByLabelText(/CPT/) as HTMLInputElement;
    expect(cpt.value).toBe("9O834");
    expect(cpt.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById("field-service_code-problem")?.textContent).toMatch(/A CPT code is five characters/);
    expect(screen.getByTestId("to-fix").textContent).toBe("1 field to check before signing");
    expect((screen.getByLabelText(/ICD-10/) as HTMLInputElement).getAttribute("aria-invalid")).toBe("false");
  });

  it("refuses to offer a signature while a field cannot be valid, and leads to the field", async () => {
    const problem = note().problems[0];
    if (!problem) throw new Error("fixture");
    const calls = mockBackend({ problems: [problem], warnings: [] });
    render(NoteEditor, { note: note() });
    await fireEvent.click(screen.getByText("Sign…"));
    const listed = await screen.findByTestId("sign-problems");
    expect(listed.textContent).toMatch(/A CPT code is five characters/);
    expect(screen.queryByText("Sign anyway")).toBeNull();
    expect(screen.queryByText("Sign and lock")).toBeNull();
    await fireEvent.click(screen.getByText("Show me"));
    await waitFor(() => expect(document.activeElement?.id).toBe("field-service_code"));
    expect(calls.some((call) => call.command === "note_sign")).toBe(false);
  });

  it("lists the warnings and signs past them only with Sign anyway", async () => {
    const warnings = [
      { kind: "empty_section" as const, key: "objective", message: "Objective is empty." },
      {
        kind: "code_does_not_fit_minutes" as const,
        key: null,
        message: "90834 is for sessions of 38–52 minutes; this one lasted 20. For 20 minutes the code is 90832.",
      },
      { kind: "risk_unanswered" as const, key: null, message: "Risk screening: 5 of 6 items unanswered." },
    ];
    const signed = note({
      status: "signed",
      problems: [],
      signature: { signed_by: "Dana Reyes", credentials: "PsyD", signed_at: "2026-11-20T15:00:00Z", content_hash: "ab".repeat(32) },
    });
    const calls = mockBackend({ problems: [], warnings }, signed);
    render(NoteEditor, { note: note({ problems: [] }) });
    await fireEvent.click(screen.getByText("Sign…"));
    const listed = await screen.findByTestId("sign-warnings");
    expect([...listed.querySelectorAll("li")].map((item) => item.textContent)).toEqual(warnings.map((warning) => warning.message));
    expect(screen.queryByText("Sign and lock")).toBeNull();
    await fireEvent.click(screen.getByText("Sign anyway"));
    await waitFor(() => expect(calls.find((call) => call.command === "note_sign")?.args).toEqual({ noteId: 7, warningsAcknowledged: true }));
  });

  it("signs a complete note with Sign and lock, acknowledging nothing", async () => {
    const calls = mockBackend({ problems: [], warnings: [] });
    render(NoteEditor, { note: note({ problems: [] }) });
    await fireEvent.click(screen.getByText("Sign…"));
    await fireEvent.click(await screen.findByText("Sign and lock"));
    await waitFor(() => expect(calls.find((call) => call.command === "note_sign")?.args).toEqual({ noteId: 7, warningsAcknowledged: false }));
  });

  it("shows every signed field of a signed note", () => {
    mockBackend({ problems: [], warnings: [] });
    render(NoteEditor, {
      note: note({
        status: "signed",
        problems: [],
        content: { ...note().content, service_code: "90832" },
        signature: { signed_by: "Dana Reyes", credentials: "PsyD", signed_at: "2026-11-20T15:00:00Z", content_hash: "ab".repeat(32) },
      }),
    });
    const fields = (screen.getByTestId("signed-fields").textContent ?? "").replace(/\s+/g, " ");
    for (const expected of ["Session date20 Nov 2026", "Start14:00", "Minutes20", "ModalityVideo", "CPT90832", "ICD-10F41.1"]) {
      expect(fields.replace(/ /g, "")).toContain(expected.replace(/ /g, ""));
    }
    expect(screen.getByTestId("signed-risk").textContent).toContain("Suicidal ideation: denied");
    expect(screen.getByTestId("signature").textContent?.replace(/\s+/g, " ")).toMatch(/Signed by Dana Reyes, PsyD at 20 Nov 2026, \d{2}:\d{2}/);
  });

  it("opens with the text that could not be saved, and saves it", async () => {
    const calls = mockBackend({ problems: [], warnings: [] });
    const unsaved = { ...note().content, sections: { subjective: "Typed while the disk was full." } };
    render(NoteEditor, { note: note({ unsaved_content: unsaved }) });
    expect((screen.getByLabelText("Subjective") as HTMLTextAreaElement).value).toBe("Typed while the disk was full.");
    expect(screen.getByTestId("unsaved-restored")).toBeTruthy();
    await waitFor(() => expect(calls.some((call) => call.command === "note_save")).toBe(true), { timeout: 3000 });
  });
});
