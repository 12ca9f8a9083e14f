import * as vscode from 'vscode';
import { parseFromWebview, VIEW_TITLES, type FromWebviewByView, type ToWebviewByView, type ViewKind } from '../../protocol/webview';
import type { Log } from '../log';

/** The editor-panel views (the training view lives in the sidebar). */
export type PanelKind = Exclude<ViewKind, 'training'>;

export type HtmlFn = (webview: vscode.Webview, view: ViewKind) => string;

export interface PanelHandlers {
  /** The complete state of a view, sent whenever it (re)loads. */
  state<V extends PanelKind>(view: V, webview: vscode.Webview): ToWebviewByView[V];
  /** A validated message from a view other than `ready` (which is answered here). */
  receive<V extends PanelKind>(view: V, msg: FromWebviewByView[V]): void | Promise<void>;
}

/**
 * One editor panel per view kind. Panels do not retain their context when hidden: the host owns
 * the data and answers each `ready` with the complete state, so hiding, moving or reloading a panel
 * loses nothing.
 */
export class Panels implements vscode.Disposable {
  private readonly open = new Map<PanelKind, vscode.WebviewPanel>();
  private readonly readyWaiters = new Map<PanelKind, (() => void)[]>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly html: HtmlFn,
    private readonly handlers: PanelHandlers,
    private readonly log: Log,
    private readonly resourceRoots: () => vscode.Uri[],
  ) {}

  isOpen(view: PanelKind): boolean {
    return this.open.has(view);
  }

  /** Opens (or reveals) the panel and resolves when its script has asked for its state. */
  show(view: PanelKind, preserveFocus = false): Promise<void> {
    const existing = this.open.get(view);
    if (existing) {
      existing.reveal(undefined, preserveFocus);
      this.post(view, this.handlers.state(view, existing.webview));
      return Promise.resolve();
    }
    const panel = vscode.window.createWebviewPanel(`gradientLab.${view}`, VIEW_TITLES[view], { viewColumn: vscode.ViewColumn.Active, preserveFocus }, this.options());
    return this.adopt(view, panel);
  }

  /**
   * Takes over a panel of this kind: one VS Code restored after a window reload (the serializer
   * hands it over), or one just created. Its page is rebuilt and asks for its state on `ready`.
   */
  adopt(view: PanelKind, panel: vscode.WebviewPanel): Promise<void> {
    const previous = this.open.get(view);
    if (previous && previous !== panel) previous.dispose();
    panel.webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icons', 'gradient-lab.svg');
    this.open.set(view, panel);
    const ready = new Promise<void>((resolve) => this.readyWaiters.set(view, [...(this.readyWaiters.get(view) ?? []), resolve]));
    panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(view, raw));
    panel.onDidDispose(() => {
      if (this.open.get(view) === panel) this.open.delete(view);
      for (const w of this.readyWaiters.get(view) ?? []) w();
      this.readyWaiters.delete(view);
    });
    panel.webview.html = this.html(panel.webview, view);
    return ready;
  }

  /** Restores the panels VS Code reopens after a window reload (their data comes from the host). */
  registerSerializers(): vscode.Disposable[] {
    return (['report', 'hidden', 'gradflow', 'captions'] as const).map((view) =>
      vscode.window.registerWebviewPanelSerializer(`gradientLab.${view}`, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
          void this.adopt(view, panel);
        },
      }),
    );
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media'), ...this.resourceRoots()],
    };
  }

  /** Sends a message if the panel is open; a hidden panel gets its whole state again on `ready`. */
  post<V extends PanelKind>(view: V, msg: ToWebviewByView[V]): void {
    const panel = this.open.get(view);
    if (panel) void panel.webview.postMessage(msg);
  }

  /** Sends the whole state again to an open panel (after the host's data changed). */
  refresh(view: PanelKind): void {
    const panel = this.open.get(view);
    if (panel) this.post(view, this.handlers.state(view, panel.webview));
  }

  private onMessage(view: PanelKind, raw: unknown): void {
    let msg: FromWebviewByView[PanelKind];
    try {
      msg = parseFromWebview(view, raw);
    } catch (err) {
      this.log.error(`${view} view sent a bad message`, err);
      return;
    }
    if (msg.type === 'ready') {
      const panel = this.open.get(view);
      if (panel) this.post(view, this.handlers.state(view, panel.webview));
      for (const w of this.readyWaiters.get(view) ?? []) w();
      this.readyWaiters.delete(view);
      return;
    }
    Promise.resolve(this.handlers.receive(view, msg)).catch((err: unknown) => this.log.error(`handling ${msg.type} from the ${view} view`, err));
  }

  dispose(): void {
    for (const p of this.open.values()) p.dispose();
    this.open.clear();
  }
}
