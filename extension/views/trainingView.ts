import * as vscode from 'vscode';
import { parseFromWebview, type FromTraining, type ToTraining } from '../../protocol/webview';
import type { Log } from '../log';
import type { HtmlFn } from './panels';

export interface TrainingViewHandlers {
  /** The complete state of the panel, sent on every `ready`. */
  state(): ToTraining;
  receive(msg: Exclude<FromTraining, { type: 'ready' }>): void | Promise<void>;
}

/**
 * The sidebar Training panel. It keeps no data itself: the training controller owns the run, so
 * the panel can be closed, hidden or reloaded mid-run and rebuilds itself on `ready`.
 */
export class TrainingView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  private ready = false;
  /** How many times a page of this view said `ready` (each show of a hidden view reloads it). */
  readyCount = 0;
  /** performance.now() of the first `ready`: the first time the panel was shown, filled. */
  firstReadyAt: number | undefined;
  /** performance.now() of the last resolveWebviewView (VS Code asked for the page). */
  resolvedAt: number | undefined;
  /** performance.now() of the last `ready`. */
  lastReadyAt: number | undefined;
  /** performance.now() when activate began (set by activate), to log the time to the first view. */
  activatedAt: number | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly html: HtmlFn,
    private readonly handlers: TrainingViewHandlers,
    private readonly log: Log,
  ) {}

  get visible(): boolean {
    return this.view?.visible === true;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    this.resolvedAt = performance.now();
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    // Attached before the page exists; each answer goes to the webview that asked (a view resolved
    // again must not take the answer meant for the page that said ready).
    view.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(view, raw));
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
    view.onDidChangeVisibility(() => {
      // Without retainContextWhenHidden the page reloads when shown again and posts `ready`.
      if (!view.visible) this.ready = false;
    });
    view.webview.html = this.html(view.webview, 'training');
    // The whole state also goes out now: VS Code holds it until the page has loaded (after its
    // script is listening), so a `ready` lost on the way still leaves a filled panel. Both carry
    // the complete state, so the second one changes nothing.
    void view.webview.postMessage(this.handlers.state());
  }

  /** Posts to the panel when its script is listening; otherwise the next `ready` brings it up to date. */
  post(msg: ToTraining): void {
    if (this.view && this.ready) void this.view.webview.postMessage(msg);
  }

  private onMessage(view: vscode.WebviewView, raw: unknown): void {
    let msg: FromTraining;
    try {
      msg = parseFromWebview('training', raw);
    } catch (err) {
      this.log.error('training view sent a bad message', err);
      return;
    }
    if (msg.type === 'ready') {
      if (view === this.view) this.ready = true;
      this.readyCount++;
      this.lastReadyAt = performance.now();
      if (this.firstReadyAt === undefined) {
        this.firstReadyAt = performance.now();
        if (this.activatedAt !== undefined) this.log.info(`first view shown (Training panel ready) ${(this.firstReadyAt - this.activatedAt).toFixed(0)} ms after activation began`);
      }
      void view.webview.postMessage(this.handlers.state());
      return;
    }
    Promise.resolve(this.handlers.receive(msg)).catch((err: unknown) => this.log.error(`handling ${msg.type} from the training view`, err));
  }

  dispose(): void {
    this.view = undefined;
  }
}
