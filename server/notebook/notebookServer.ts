/**
 * The language server's notebook side: keeps the notebooks the client syncs (LSP notebook
 * document sync, cells of language python), answers hovers in cells from the cross-cell analysis
 * and publishes each code cell's shape warnings. Cell edits, moves and deletions arrive as
 * notebook changes; diagnostics follow once a burst of them pauses.
 */
import {
  DiagnosticSeverity, NotebookCellKind, NotebookDocuments, type Connection, type Diagnostic, type Hover, type NotebookDocument, type NotebookDocumentSyncOptions, type Position,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ShapeContextParams } from '../../protocol/lsp';
import { pythonHover, toMarkdown } from '../hover';
import { NotebookShapes, type NotebookCellInput } from './crossCell';
import { ModuleFiles, notebookFolder } from './moduleFiles';

/** The notebook-document-sync capability: every notebook type, its Python cells. */
export const NOTEBOOK_SYNC: NotebookDocumentSyncOptions = { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] };

const DEBOUNCE_MS = 120;

export interface NotebookSide {
  /** The hover in a notebook cell, or undefined when `uri` is not a cell of an open notebook. */
  hover(uri: string, position: Position): Hover | null | undefined;
  /** The shape context changed: re-analyse every notebook. */
  contextChanged(): void;
}

export function attachNotebooks(connection: Connection, context: () => ShapeContextParams): NotebookSide {
  const notebooks = new NotebookDocuments(TextDocument);
  const shapes = new Map<string, NotebookShapes>();
  const published = new Map<string, Set<string>>();
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  const modules = new ModuleFiles(context, (m) => connection.console.error(m));

  const describe = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));

  const shapesOf = (nb: NotebookDocument): NotebookShapes => {
    let s = shapes.get(nb.uri);
    if (!s) shapes.set(nb.uri, (s = new NotebookShapes()));
    return s;
  };

  const cellsOf = (nb: NotebookDocument): { inputs: NotebookCellInput[]; docs: (TextDocument | undefined)[] } => {
    const docs = nb.cells.map((c) => notebooks.getCellTextDocument(c));
    const inputs = nb.cells.map((c, i): NotebookCellInput => ({
      uri: c.document,
      code: c.kind === NotebookCellKind.Code,
      languageId: docs[i]?.languageId ?? 'markdown',
      text: docs[i]?.getText() ?? '',
    }));
    return { inputs, docs };
  };

  const publish = (nb: NotebookDocument): void => {
    try {
      const { inputs, docs } = cellsOf(nb);
      const results = shapesOf(nb).analyzeAll(inputs, context(), modules.resolverFor(notebookFolder(nb.uri)));
      const now = new Set<string>();
      results.forEach((r, i) => {
        const doc = docs[i];
        if (!doc) return;
        now.add(doc.uri);
        for (const e of r.py?.errors ?? []) connection.console.error(`shape analysis of ${doc.uri} skipped a statement, ${e}`);
        const diagnostics: Diagnostic[] = (r.py?.diagnostics ?? []).map((d) => ({
          range: { start: doc.positionAt(d.from), end: doc.positionAt(d.to) },
          severity: DiagnosticSeverity.Warning,
          source: 'Gradient Lab shapes',
          message: d.message,
        }));
        void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
      });
      // Deleted cells (and cells that became markdown) lose their warnings.
      for (const uri of published.get(nb.uri) ?? []) if (!now.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
      published.set(nb.uri, now);
    } catch (e) {
      connection.console.error(`diagnostics failed in ${nb.uri}: ${describe(e)}`);
    }
  };

  const schedule = (uri: string): void => {
    clearTimeout(pending.get(uri));
    pending.set(uri, setTimeout(() => {
      pending.delete(uri);
      const nb = notebooks.getNotebookDocument(uri);
      if (nb) publish(nb);
    }, DEBOUNCE_MS));
  };

  notebooks.onDidOpen((nb) => schedule(nb.uri));
  notebooks.onDidChange((e) => schedule(e.notebookDocument.uri));
  notebooks.onDidClose((nb) => {
    clearTimeout(pending.get(nb.uri));
    pending.delete(nb.uri);
    shapes.delete(nb.uri);
    for (const uri of published.get(nb.uri) ?? []) void connection.sendDiagnostics({ uri, diagnostics: [] });
    published.delete(nb.uri);
  });
  notebooks.listen(connection);

  return {
    hover(uri, position) {
      const nb = notebooks.findNotebookDocumentForCell(uri);
      if (!nb) return undefined;
      const index = nb.cells.findIndex((c) => c.document === uri);
      const cellDoc = index >= 0 ? notebooks.getCellTextDocument(nb.cells[index]) : undefined;
      if (!cellDoc) return null;
      try {
        const { inputs } = cellsOf(nb);
        const ctx = context();
        const r = shapesOf(nb).analyzeUpTo(inputs, index, ctx, modules.resolverFor(notebookFolder(nb.uri)));
        if (!r?.py) return null;
        const h = pythonHover(r.py, cellDoc.offsetAt(position), ctx);
        if (!h) return null;
        return { contents: { kind: 'markdown', value: toMarkdown(h) }, range: { start: cellDoc.positionAt(h.from), end: cellDoc.positionAt(h.to) } };
      } catch (e) {
        connection.console.error(`hover failed in ${uri}: ${describe(e)}`);
        return null;
      }
    },
    contextChanged() {
      modules.invalidateAll();
      for (const s of shapes.values()) s.invalidateAll();
      for (const uri of shapes.keys()) schedule(uri);
    },
  };
}
