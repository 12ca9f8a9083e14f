import * as vscode from 'vscode';
import { DEFAULT_THRESHOLDS, stepRuns, type CheckReport, type LayerCheck, type ParamCheck, type Verdict } from '../../core/gradcheck';
import { Cmd } from '../constants';

/** A report in the tree with where it came from ("engine", or a Python file the user checked). */
export interface SourcedReport {
  key: string;
  label: string;
  report: CheckReport;
}

export type CheckNode =
  | { type: 'layer'; source: string; layer: LayerCheck }
  | { type: 'param'; source: string; layer: LayerCheck; param: ParamCheck }
  | { type: 'worst'; source: string; layer: LayerCheck; param: ParamCheck }
  | { type: 'steps'; source: string; layer: LayerCheck; param: ParamCheck; runs: string };

const ICON: Record<Verdict, vscode.ThemeIcon> = {
  good: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  ok: new vscode.ThemeIcon('check', new vscode.ThemeColor('testing.iconPassed')),
  warn: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  wrong: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
};

// "ok" is the CS231n band 1e-7..1e-4: a pass, and usual for the LSTM's products of gates (not a sign of kinks).
const VERDICT_LABEL: Record<Verdict, string> = { good: 'pass', ok: 'pass (ok)', warn: 'warn', wrong: 'fail' };

export function fmtErr(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

export function fmtIndex(idx: readonly number[]): string {
  return `[${idx.join(', ')}]`;
}

/** Layer → parameter → relative error, with a pass/warn/fail icon by the CS231n thresholds. */
export class ChecksTree implements vscode.TreeDataProvider<CheckNode> {
  private readonly changed = new vscode.EventEmitter<CheckNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private reports: SourcedReport[] = [];

  set(reports: SourcedReport[]): void {
    this.reports = reports;
    this.changed.fire(undefined);
  }

  /** Every node that has no parent, for tests and `reveal`. */
  roots(): CheckNode[] {
    const multi = this.reports.length > 1;
    return this.reports.flatMap((r) =>
      r.report.layers.map((layer): CheckNode => ({ type: 'layer', source: multi ? r.label : '', layer })),
    );
  }

  getChildren(node?: CheckNode): CheckNode[] {
    if (!node) return this.roots();
    if (node.type === 'layer') return node.layer.params.map((param): CheckNode => ({ type: 'param', source: node.source, layer: node.layer, param }));
    if (node.type === 'param' && isFailing(node.param.verdict)) {
      const kids: CheckNode[] = [{ ...node, type: 'worst' }];
      // Where in time: the steps whose error is above the "ok" threshold, when some are within it.
      const per = node.param.perTimestep;
      const runs = per ? stepRuns(per, DEFAULT_THRESHOLDS.ok) : '';
      if (per && runs && runs !== (per.length === 1 ? '0' : `0-${per.length - 1}`)) kids.push({ ...node, type: 'steps', runs });
      return kids;
    }
    return [];
  }

  getTreeItem(node: CheckNode): vscode.TreeItem {
    switch (node.type) {
      case 'layer': {
        const l = node.layer;
        const from = node.source ? ` · ${node.source}` : '';
        if (l.todo !== undefined) {
          // A student's function still the assignment's stub: information, not a failure.
          const item = new vscode.TreeItem(l.layer, vscode.TreeItemCollapsibleState.None);
          item.description = `not implemented yet${from}`;
          item.iconPath = new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground'));
          item.tooltip = new vscode.MarkdownString().appendText(l.todo);
          item.contextValue = 'layer.todo';
          item.id = `${node.source}/${l.layer}`;
          return item;
        }
        const item = new vscode.TreeItem(
          l.layer,
          l.params.length === 0 ? vscode.TreeItemCollapsibleState.None : isFailing(l.verdict) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
        );
        // A check that compared nothing (the function raised, or its file did not import) has no error to show.
        const worst = l.params.length ? ` · max ${fmtErr(Math.max(...l.params.map((p) => p.relError)))}` : '';
        item.description = `${VERDICT_LABEL[l.verdict]}${worst}${from}`;
        item.iconPath = ICON[l.verdict];
        item.tooltip = new vscode.MarkdownString(
          `**${l.layer}** — ${VERDICT_LABEL[l.verdict]}\n\nsizes: ${Object.entries(l.sizes).map(([k, v]) => `${k}=${v}`).join(', ')}\n\n${l.ms.toFixed(0)} ms`,
        );
        item.contextValue = `layer.${l.verdict}`;
        item.id = `${node.source}/${l.layer}`;
        return item;
      }
      case 'param': {
        const p = node.param;
        const failing = isFailing(p.verdict);
        const item = new vscode.TreeItem(p.name, failing ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.description = `${fmtErr(p.relError)} · ${VERDICT_LABEL[p.verdict]}`;
        item.iconPath = ICON[p.verdict];
        item.tooltip = new vscode.MarkdownString(
          `**${p.name}** (${p.shape.join(' × ')}) in ${node.layer.layer}\n\nrelative error ${fmtErr(p.relError)}, max |a − n| ${fmtErr(p.maxAbsError)}\n\n` +
            `worst ${fmtIndex(p.worst.index)}: analytic ${p.worst.analytic.toPrecision(8)}, numeric ${p.worst.numeric.toPrecision(8)}`,
        );
        item.contextValue = `param.${p.verdict}`;
        item.id = `${node.source}/${node.layer.layer}/${p.name}`;
        item.command = { command: Cmd.showReport, title: 'Show in Report', arguments: [{ layer: node.layer.layer, param: p.name }] };
        return item;
      }
      case 'worst': {
        const w = node.param.worst;
        const item = new vscode.TreeItem(`worst at ${fmtIndex(w.index)}`, vscode.TreeItemCollapsibleState.None);
        item.description = `analytic ${w.analytic.toPrecision(6)} · numeric ${w.numeric.toPrecision(6)}`;
        item.iconPath = new vscode.ThemeIcon('target');
        item.tooltip = 'Click to see the worst element in the report';
        item.contextValue = 'worst';
        item.id = `${node.source}/${node.layer.layer}/${node.param.name}/worst`;
        item.command = { command: Cmd.showWorstElement, title: 'Show Worst Element', arguments: [{ layer: node.layer.layer, param: node.param.name }] };
        return item;
      }
      case 'steps': {
        const p = node.param;
        const lossSteps = p.perTimestepKind === 'loss-step';
        const item = new vscode.TreeItem(lossSteps ? `wrong for the loss at steps ${node.runs}` : `wrong at timesteps ${node.runs}`, vscode.TreeItemCollapsibleState.None);
        const right = p.perTimestep!.filter((e) => e <= DEFAULT_THRESHOLDS.ok).length;
        item.description = `right at ${right} of ${p.perTimestep!.length}`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.tooltip = lossSteps
          ? `The whole ${p.name}, checked with only one step's loss at a time, is wrong for these steps: a gradient that is right for some losses and wrong for others is not carried or summed back through time correctly. Click for the bars in the report.`
          : `The elements of ${p.name} at these timesteps are wrong; the others are right. Click for the bars in the report.`;
        item.contextValue = 'steps';
        item.id = `${node.source}/${node.layer.layer}/${p.name}/steps`;
        item.command = { command: Cmd.showReport, title: 'Show in Report', arguments: [{ layer: node.layer.layer, param: p.name }] };
        return item;
      }
    }
  }
}

export function isFailing(v: Verdict): boolean {
  return v === 'warn' || v === 'wrong';
}
