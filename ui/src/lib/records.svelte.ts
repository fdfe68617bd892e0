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

class RecordsStore {
  clients = $state<ClientDto[]>([]);
  client = $state<ClientDto | null>(null);
  chart = $state<NoteSummaryDto[]>([]);
  note = $state<NoteDto | null>(null);
  templates = $state<TemplateDto[]>([]);
  problem = $state<string | null>(null);

  async loadClients(): Promise<void> {
    const result = await commands.clientList();
    if (result.status === "ok") this.clients = result.data;
    else this.problem = messageFor(result.error);
    if (this.templates.length === 0) this.templates = await commands.templateList();
  }

  async openChart(code: string): Promise<void> {
    const result = await commands.chartOpen(code);
    if (result.status === "error") {
      this.problem = messageFor(result.error);
      return;
    }
    [this.client, this.chart] = result.data;
    this.note = null;
  }

  async refreshChart(): Promise<void> {
    if (!this.client) return;
    const result = await commands.chartOpen(this.client.code);
    if (result.status === "ok") [this.client, this.chart] = result.data;
    await this.loadClients();
  }

  async openNote(noteId: number): Promise<void> {
    const result = await commands.noteOpen(noteId);
    if (result.status === "ok") this.note = result.data;
    else this.problem = messageFor(result.error);
  }
}

export const records = new RecordsStore();
