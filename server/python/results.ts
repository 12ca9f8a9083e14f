/** What shape inference returns: its facts (hovers), its diagnostics and the module state it leaves. */
import type { Tree } from '@lezer/common';
import type { CellType } from '../../core/signatures';
import type { DatasetKeyInfo } from '../../protocol/lsp';
import type { ShapeSig } from './signature';
import type { Value } from './values';

/** What inference needs from the extension: the cell type picks the parameters' shapes. */
export interface AnalysisContext {
  readonly cellType: CellType | null;
  readonly datasetKeys: readonly DatasetKeyInfo[];
}

export type Fact =
  | { readonly kind: 'value'; readonly from: number; readonly to: number; readonly name: string; readonly value: Value; readonly letters?: Readonly<Record<string, string | null>> }
  | { readonly kind: 'layer'; readonly from: number; readonly to: number; readonly sig: ShapeSig };

export interface ShapeDiagnostic {
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

export interface PyAnalysis {
  readonly tree: Tree;
  readonly text: string;
  /** Sorted by `from`; innermost facts never overlap (they sit on names). */
  readonly facts: readonly Fact[];
  readonly diagnostics: readonly ShapeDiagnostic[];
  /** Statements the analysis failed on (a bug in the rules, logged by the server, never thrown). */
  readonly errors: readonly string[];
  /** Module-level names after the last statement, and every function signature seen (notebook cells below read them). */
  readonly module: ModuleState;
}

/** What a piece of code leaves at module level: what the next notebook cell starts from. */
export interface ModuleState {
  readonly env: ReadonlyMap<string, Value>;
  readonly sigs: ReadonlyMap<string, ShapeSig>;
}
