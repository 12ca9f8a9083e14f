import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import type { CheckReport, Thresholds } from '../core/gradcheck';
import type { CheckpointSummary } from '../protocol/jobs';

/** The engine report as kept between sessions. */
export interface StoredReport {
  label: string;
  report: CheckReport;
  thresholds: Thresholds;
}

/** Reports with more per-element errors than this are not kept (a dataset-sized check has ~500 000). */
const MAX_STORED_VALUES = 50_000;

/**
 * What survives a window reload, typed: the last engine check (per workspace) and the last
 * trained or loaded model (global: its file lives in the extension's global storage).
 */
export class PersistentState {
  constructor(
    private readonly workspace: vscode.Memento,
    private readonly global: vscode.Memento,
  ) {}

  get lastReport(): StoredReport | undefined {
    return this.workspace.get<StoredReport>('gradientLab.lastReport');
  }

  setLastReport(r: StoredReport | undefined): void {
    const values = r ? r.report.layers.reduce((n, l) => n + l.params.reduce((m, p) => m + p.errors.length, 0), 0) : 0;
    void this.workspace.update('gradientLab.lastReport', r && values <= MAX_STORED_VALUES ? r : undefined);
  }

  /** The last model, if its file is still there. */
  get model(): CheckpointSummary | undefined {
    const m = this.global.get<CheckpointSummary>('gradientLab.model');
    return m && fs.existsSync(m.file) ? m : undefined;
  }

  setModel(m: CheckpointSummary | undefined): void {
    void this.global.update('gradientLab.model', m);
  }
}
