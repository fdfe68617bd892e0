// The open part of the record: the client list, the chart on screen and the note
// in the editor. Dropped with the whole page on lock.
import {
  commands,
  type ClientDto,
  type NoteDto,
  type NoteSummaryDto,
  type TemplateDto,
} from "./bindings";
import { drafts } from "./drafts.svelte";
import { messageFor } from "./errors";
import { panel } from "./panel.svelte";

class RecordsStore {
  // Lists are replaced whole, never edited in place: `$state.raw` keeps them plain
  // arrays instead of a reactive proxy per row (a 500-note chart is 500 rows).
  clients = $state.raw<ClientDto[]>([]);
  client = $state<ClientDto | null>(null);
  chart = $state.raw<NoteSummaryDto[]>([]);
  note = $state<NoteDto | null>(null);
  templates = $state.raw<TemplateDto[]>([]);
  problem = $state<string | null>(null);
  /** Bumped when something outside the chart's own forms changed it (an export's disclosure). */
  version = $state(0);
  /** Whether the chart lists psychotherapy notes (after the passphrase was entered again). */
  showPsychotherapy = $state(false);

  /** Forgets everything on screen (before the page reloads on lock). */
  clear(): void {
    this.clients = [];
    this.client = null;
    this.chart = [];
    this.note = null;
    this.problem = null;
    this.showPsychotherapy = false;
  }

  /** The client list (not audited: codes and counts); the chart's header follows it. */
  async loadClients(): Promise<void> {
    const result = await commands.clientList();
    if (result.status === "ok") {
      this.clients = result.data;
      const open = this.client && result.data.find((client) => client.id === this.client?.id);
      if (open) this.client = open;
    } else this.problem = messageFor(result.error);
    if (this.templates.length === 0) this.templates = await commands.templateList();
  }

  async openChart(code: string): Promise<void> {
    // Whatever was typed is saved before the editor goes away.
    await drafts.flush();
    if (panel.current?.kind !== "import") panel.close();
    const result = await commands.chartOpen(code);
    if (result.status === "error") {
      this.problem = messageFor(result.error);
      return;
    }
    const sameClient = this.client?.code === result.data[0].code;
    [this.client, this.chart] = result.data;
    // Reopening the same chart (after editing its details) keeps the note open.
    if (!sameClient || this.note?.client_code !== result.data[0].code) this.note = null;
    if (!sameClient) this.showPsychotherapy = false;
  }

  /** Lists the client's psychotherapy notes too; fails until the passphrase was entered again. */
  async includePsychotherapy(): Promise<string | null> {
    if (!this.client) return null;
    const result = await commands.noteListWithPsychotherapy(this.client.code);
    if (result.status === "error") return result.error.code === "reauthentication_required" ? "reauth" : messageFor(result.error);
    this.chart = result.data;
    this.showPsychotherapy = true;
    return null;
  }

  async refreshChart(): Promise<void> {
    if (!this.client) return;
    const result = await commands.chartOpen(this.client.code);
    if (result.status === "ok") [this.client, this.chart] = result.data;
    if (this.showPsychotherapy) await this.includePsychotherapy();
    await this.loadClients();
  }

  /** Lists only the record's notes again (psychotherapy notes hidden). */
  async hidePsychotherapy(): Promise<void> {
    if (!this.client) return;
    if (this.note?.content.kind === "psychotherapy") {
      await drafts.flush();
      this.note = null;
    }
    const result = await commands.chartOpen(this.client.code);
    if (result.status === "ok") [this.client, this.chart] = result.data;
    this.showPsychotherapy = false;
  }

  /** Replaces one line of the chart after a save, sign or addendum changed it. */
  updateSummary(note: NoteDto): void {
    this.chart = this.chart.map((line) =>
      line.id === note.id
        ? {
            ...line,
            status: note.status,
            session_date: note.content.session_date,
            start_time: note.content.start_time,
            duration_minutes: note.content.duration_minutes,
            service_code: note.content.service_code,
            template: note.content.template,
            n_addenda: note.addenda.length,
            preview: preview(note),
            empty: Object.values(note.content.sections).every((text) => !text.trim()),
          }
        : line,
    );
  }

  /** Opens a note; resolves to "reauth" when a psychotherapy note needs the passphrase again. */
  async openNote(noteId: number): Promise<string | null> {
    await drafts.flush();
    panel.close();
    const result = await commands.noteOpen(noteId);
    if (result.status === "ok") {
      this.note = result.data;
      return null;
    }
    if (result.error.code === "reauthentication_required") return "reauth";
    this.problem = messageFor(result.error);
    return null;
  }
}

export const records = new RecordsStore();

/** The first words of a note, as the chart shows them. */
function preview(note: NoteDto): string {
  const template = records.templates.find((candidate) => candidate.id === note.content.template);
  const keys = template?.sections.map((section) => section.key) ?? Object.keys(note.content.sections);
  const first = keys.map((key) => note.content.sections[key] ?? "").find((text) => text.trim()) ?? "";
  const line = first.split(/\s+/).filter(Boolean).join(" ");
  if (line.length <= 80) return line;
  const cut = line.slice(0, 80);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 0 ? cut.lastIndexOf(" ") : 80)}…`;
}
