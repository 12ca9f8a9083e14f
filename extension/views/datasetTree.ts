import * as vscode from 'vscode';
import type { DatasetSummary } from '../../protocol/jobs';

interface Row {
  label: string;
  description: string;
  icon: string;
  tooltip?: string;
}

/** The open dataset: where it came from, splits and sizes, vocabulary, caption length, features. */
export class DatasetTree implements vscode.TreeDataProvider<Row> {
  private readonly changed = new vscode.EventEmitter<Row | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private rows: Row[] = [];

  set(ds: DatasetSummary | undefined): void {
    this.rows = ds ? rowsOf(ds) : [];
    this.changed.fire(undefined);
  }

  getChildren(row?: Row): Row[] {
    return row ? [] : this.rows;
  }

  getTreeItem(row: Row): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.description = row.description;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.tooltip = row.tooltip ?? `${row.label}: ${row.description}`;
    return item;
  }
}

export function rowsOf(ds: DatasetSummary): Row[] {
  return [
    { label: ds.name, description: ds.location, icon: 'database', tooltip: `Loaded from ${ds.location} in ${ds.openMs.toFixed(0)} ms` },
    ...ds.splits.map((s) => ({
      label: s.name,
      description: `${s.captions.toLocaleString('en-US')} captions · ${s.images.toLocaleString('en-US')} images`,
      icon: 'list-flat',
    })),
    { label: 'vocabulary', description: `V = ${ds.vocabSize.toLocaleString('en-US')} words`, icon: 'symbol-text' },
    { label: 'caption length', description: `${ds.captionLength} tokens (T = ${ds.captionLength - 1} steps)`, icon: 'symbol-ruler' },
    { label: 'features', description: `D = ${ds.featureDim}`, icon: 'symbol-array' },
  ];
}
