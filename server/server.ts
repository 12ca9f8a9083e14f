/**
 * Gradient Lab's language server: shape hovers and shape-mismatch warnings for CS231n-style
 * Python and for TypeScript calling the engine. Wiring only; the analysis lives in ./analyze.
 */
import {
  createConnection, DiagnosticSeverity, ProposedFeatures, TextDocuments, TextDocumentSyncKind,
  type Diagnostic, type Hover, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EMPTY_SHAPE_CONTEXT, ShapeContextNotification, type ShapeContextParams } from '../protocol/lsp';
import { analyzeDocument, diagnosticsOf, errorsOf, hoverAt, type DocAnalysis } from './analyze';
import { AnalysisCache } from './cache';
import { readShapeContext } from './context';
import { toMarkdown } from './hover';
import { attachNotebooks, NOTEBOOK_SYNC } from './notebook/notebookServer';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let shapeContext: ShapeContextParams = EMPTY_SHAPE_CONTEXT;

const cache = new AnalysisCache<TextDocument, DocAnalysis>((doc) => {
  const an = analyzeDocument(doc.languageId, doc.getText(), shapeContext);
  for (const e of errorsOf(an)) connection.console.error(`shape analysis of ${doc.uri} skipped a statement, ${e}`);
  return an;
});

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

connection.onInitialize((): InitializeResult => ({
  // processId: which process answers, for the log and the integration test that stops it.
  capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, notebookDocumentSync: NOTEBOOK_SYNC, hoverProvider: true, experimental: { processId: process.pid } },
  serverInfo: { name: 'gradient-lab-shapes', version: '0.1.0' },
}));

// Notebook cells (vscode-notebook-cell:…) are synced with their notebook, not as text documents.
const notebookSide = attachNotebooks(connection, () => shapeContext);

connection.onHover((params): Hover | null => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return notebookSide.hover(params.textDocument.uri, params.position) ?? null;
  try {
    const h = hoverAt(cache.get(doc), doc.offsetAt(params.position), shapeContext);
    if (!h) return null;
    return { contents: { kind: 'markdown', value: toMarkdown(h) }, range: { start: doc.positionAt(h.from), end: doc.positionAt(h.to) } };
  } catch (e) {
    connection.console.error(`hover failed in ${doc.uri}: ${describe(e)}`);
    return null;
  }
});

function publish(doc: TextDocument): void {
  try {
    const diagnostics: Diagnostic[] = diagnosticsOf(cache.get(doc)).map((d) => ({
      range: { start: doc.positionAt(d.from), end: doc.positionAt(d.to) },
      severity: DiagnosticSeverity.Warning,
      source: 'Gradient Lab shapes',
      message: d.message,
    }));
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  } catch (e) {
    connection.console.error(`diagnostics failed in ${doc.uri}: ${describe(e)}`);
  }
}

// Typing fires a change per keystroke; analyse once the burst pauses.
const pending = new Map<string, ReturnType<typeof setTimeout>>();
function schedule(doc: TextDocument): void {
  clearTimeout(pending.get(doc.uri));
  pending.set(doc.uri, setTimeout(() => {
    pending.delete(doc.uri);
    const current = documents.get(doc.uri);
    if (current) publish(current);
  }, 120));
}

documents.onDidChangeContent((e) => schedule(e.document));
documents.onDidClose((e) => {
  clearTimeout(pending.get(e.document.uri));
  pending.delete(e.document.uri);
  cache.remove(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onNotification(ShapeContextNotification.type, (params) => {
  const { context, dropped } = readShapeContext(params);
  if (dropped.length) connection.console.error(`shape context: ignored ${dropped.join(', ')}`);
  shapeContext = context;
  // The cell type changes which parameter shapes (and so which warnings) hold.
  cache.invalidateAll();
  for (const doc of documents.all()) schedule(doc);
  notebookSide.contextChanged();
});

documents.listen(connection);
connection.listen();
