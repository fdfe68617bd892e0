// The open part of the record: the client list, the chart on screen and the note
// in the editor. Dropped with the whole page on lock.
import {
  commands,
  type ClientDto,
  type NoteDto,
  type NoteSummaryDto,
  type TemplateDto,
} from "./bindings";
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

  async loadClients(): Promise<void> {
    const result = await commands.clientList();
    if (result.status === "ok") this.clients = result.data;
    else this.problem = messageFor(result.error);
    if (this.templates.length === 0) this.templates = await commands.templateList();
  }

  async openChart(code: string): Promise<void> {
    if (panel.current?.kind !== "import") panel.close();
    const result = await commands.chartOpen(code);
    if (result.status === "error") {
      this.problem = messageFor(result.error);
      return;
    }
    [this.client, this.chart] = result.data;
    this.note = null;
    this.showPsychotherapy = false;
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

  /** Opens a note; resolves to "reauth" when a psychotherapy note needs the passphrase again. */
  async openNote(noteId: number): Promise<string | null> {
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
