import * as vscode from 'vscode';
import { View } from './constants';

export type Activity =
  | { kind: 'idle' }
  | { kind: 'check'; text: string }
  | { kind: 'training'; text: string }
  | { kind: 'diverged'; text: string };

/**
 * The one status-bar item: visible while a check or a training run is going (and after a run
 * diverged); clicking it reveals the Gradient Lab sidebar.
 */
export class Status implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private check?: string;
  private training?: Exclude<Activity, { kind: 'idle' }>;

  constructor() {
    this.item = vscode.window.createStatusBarItem('gradientLab.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Gradient Lab';
    this.item.command = `workbench.view.extension.${View.container}`;
  }

  /** Check progress text, or undefined when the check ended. */
  setCheck(text: string | undefined): void {
    this.check = text;
    this.render();
  }

  setTraining(a: Activity): void {
    this.training = a.kind === 'idle' ? undefined : a;
    this.render();
  }

  /** What the item shows now (tests read it). */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  private render(): void {
    const parts: string[] = [];
    let error = false;
    if (this.check !== undefined) parts.push(`$(beaker~spin) ${this.check}`);
    if (this.training) {
      if (this.training.kind === 'diverged') error = true;
      parts.push(`${this.training.kind === 'training' ? '$(sync~spin)' : '$(error)'} ${this.training.text}`);
    }
    if (parts.length === 0) {
      this.item.text = '';
      this.item.hide();
      return;
    }
    this.item.text = parts.join('  ');
    this.item.tooltip = 'Gradient Lab: click to show the sidebar';
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
