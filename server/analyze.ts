/**
 * One document's analysis, whatever its language, and the two questions the server asks of it:
 * the hover at an offset and the diagnostics. Pure: no connection, no documents manager.
 */
import type { ShapeContextParams } from '../protocol/lsp';
import { pythonHover, type HoverResult } from './hover';
import { analyzePython, type PyAnalysis, type ShapeDiagnostic } from './python/infer';
import { docFunctions, tsHover } from './ts/tsHover';

export type DocAnalysis =
  | { readonly kind: 'python'; readonly py: PyAnalysis }
  | { readonly kind: 'typescript'; readonly text: string; readonly docs: ReturnType<typeof docFunctions> }
  | { readonly kind: 'none' };

export const PYTHON_LANGUAGES = new Set(['python']);
export const TS_LANGUAGES = new Set(['typescript', 'typescriptreact', 'javascript']);

export function analyzeDocument(languageId: string, text: string, ctx: ShapeContextParams): DocAnalysis {
  if (PYTHON_LANGUAGES.has(languageId)) return { kind: 'python', py: analyzePython(text, ctx) };
  if (TS_LANGUAGES.has(languageId)) return { kind: 'typescript', text, docs: docFunctions(text) };
  return { kind: 'none' };
}

export function hoverAt(an: DocAnalysis, offset: number, ctx: ShapeContextParams): HoverResult | null {
  if (an.kind === 'python') return pythonHover(an.py, offset, ctx);
  if (an.kind === 'typescript') return tsHover(an.text, offset, ctx, an.docs);
  return null;
}

export function diagnosticsOf(an: DocAnalysis): readonly ShapeDiagnostic[] {
  return an.kind === 'python' ? an.py.diagnostics : [];
}

export function errorsOf(an: DocAnalysis): readonly string[] {
  return an.kind === 'python' ? an.py.errors : [];
}
