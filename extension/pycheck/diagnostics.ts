import * as vscode from 'vscode';
import type { FoundFunction, FunctionResult } from '../../runtime/pycheck/index';

/**
 * A check's result as a diagnostic on the function's name: error for a wrong result or an
 * exception, warning for a suspect one (CS231n thresholds); nothing for a pass. Traceback frames
 * and the forward to fix first become related locations the user can click.
 */
export function toDiagnostic(r: FunctionResult, others: readonly FoundFunction[], docUri: vscode.Uri): vscode.Diagnostic | undefined {
  const hints = r.hints ?? [];
  if (r.status === 'pass' && hints.length === 0 && !r.cells?.some((c) => c.status === 'not-implemented')) return undefined;
  // A file that does not import: the error goes on its own line (the caller keeps one per file).
  const range = r.fileError ? new vscode.Range(r.fileError.line, 0, r.fileError.line, 1000) : new vscode.Range(r.line, r.character, r.line, r.endCharacter);
  const message = r.fileError ? r.fileError.message : [r.summary, ...r.details, ...hints.map((h) => `hint: ${h}`)].join('\n');
  const d = new vscode.Diagnostic(range, message, severityOf(r.status));
  d.source = 'Gradient Lab';
  d.code = r.problem?.kind ?? (r.error ? r.error.type : 'gradient-check');
  const related: vscode.DiagnosticRelatedInformation[] = [];
  // Innermost frame first: that is the line to look at.
  for (const f of [...(r.error?.frames ?? [])].reverse()) {
    const loc = new vscode.Location(vscode.Uri.file(f.file), new vscode.Position(Math.max(0, f.line - 1), 0));
    related.push(new vscode.DiagnosticRelatedInformation(loc, `${f.function}: ${f.text || `line ${f.line}`}`));
  }
  const fix = /fix (\w+) first/.exec(r.summary);
  const fwd = fix ? others.find((o) => o.qualified === fix[1]) : undefined;
  if (fwd) {
    related.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(docUri, new vscode.Position(fwd.line, fwd.character)), `${fwd.qualified}: check this first`));
  }
  if (related.length > 0) d.relatedInformation = related;
  return d;
}

/** Right but fragile code, or an unfinished function or cell type: information, never a failure. */
export function severityOf(status: FunctionResult['status']): vscode.DiagnosticSeverity {
  if (status === 'pass' || status === 'todo') return vscode.DiagnosticSeverity.Information;
  return status === 'warn' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error;
}
