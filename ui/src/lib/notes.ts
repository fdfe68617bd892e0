// How notes read on screen: kinds, modalities and risk items in words, and the
// id of each editor field (so a problem, a sign-dialog link or a test finds it).
import type { Modality, NoteKind } from "./bindings";

export const KIND_LABELS: Record<NoteKind, string> = {
  progress: "Progress note",
  intake: "Intake assessment",
  treatment_plan: "Treatment plan",
  discharge: "Discharge summary",
  contact: "Contact / collateral",
  psychotherapy: "Psychotherapy note",
};

export const MODALITY_LABELS: Record<Modality, string> = {
  in_person: "In person",
  video: "Video",
  phone: "Phone",
};

export const RISK_FIELDS: [string, string][] = [
  ["suicidal_ideation", "Suicidal ideation"],
  ["homicidal_ideation", "Homicidal ideation"],
  ["self_harm", "Self-harm"],
  ["substance_use", "Substance use"],
  ["abuse_or_neglect", "Abuse or neglect"],
  ["safety_plan", "Safety plan"],
];

/** The id of the editor's input for a field ("section" and "risk" need their key). */
export function fieldId(field: string, key: string | null = null): string {
  if (field === "section") return `section-${key}`;
  if (field === "risk") return `risk-${key}`;
  return `field-${field}`;
}
