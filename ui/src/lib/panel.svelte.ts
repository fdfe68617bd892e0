// What the right-hand pane shows instead of the note: the export, import or
// print dialog. Dropped on lock with the rest of the page (the lock reloads it).
export type Panel =
  | { kind: "export"; clientCode: string }
  | { kind: "print"; clientCode: string; noteId: number | null }
  | { kind: "import" }
  | null;

class PanelStore {
  current = $state<Panel>(null);

  show(panel: Panel): void {
    this.current = panel;
  }

  close(): void {
    this.current = null;
  }
}

export const panel = new PanelStore();
