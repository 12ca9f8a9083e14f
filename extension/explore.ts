/**
 * "Gradient Lab: Explore…": a quick pick of the explorations of issue 10, run in a worker thread
 * (dist/exploreWorker.js) with a cancellable progress notification, shown in one exploration
 * panel (dist/explore.js). The panel keeps nothing: on `ready` it gets the last result again.
 * The extension's composition root calls `registerExplore(context, deps)` once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LAYER_SPECS } from '../core/checks';
import { BUGS } from '../core/explore/bugs';
import type { ExploreName, ExploreRequest, ExploreResult } from '../core/explore/types';
import { PARAM_NAMES } from '../core/model';
import { parseFromExplore, type ExplorePayload, type ToExplore } from '../protocol/webview';
import { exploreHtml } from './exploreHtml';
import { inlinePageAssets } from './views/pageAssets';
import type { ExploreJob } from '../runtime/exploreWorker';
import { ExploreRunner } from '../runtime/exploreRun';
import { writeFileAtomic } from './files';

export const EXPLORE_COMMAND = 'gradientLab.explore';

export interface ExploreLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
  show?(): void;
}

export interface ExploreDeps {
  log: ExploreLog;
  /** Folder of the open dataset; undefined: the embedded default. */
  datasetLocation?: () => string | undefined;
}

/** The request a report's "Explore…" button sends (protocol ExploreMessage). */
export interface ExploreArg {
  name?: string;
  ref?: { layer: string; param: string };
  /** A complete request: run it without asking (tests, other commands). */
  request?: ExploreRequest;
}

const ITEMS: { name: ExploreName; label: string; detail: string }[] = [
  { name: 'sweep', label: '$(graph-line) Step-size sweep', detail: 'Relative error for h from 1e-1 to 1e-12 in float64 and float32, truncation against round-off, best h explained' },
  { name: 'precision', label: '$(symbol-numeric) float32 against float64', detail: 'The whole check table in both precisions side by side: which verdicts change and why' },
  { name: 'bugs', label: '$(bug) Bug catalogue', detail: 'Ten classic BPTT and captioning mistakes, each checked as a user with the bug would see it, next to the correct code' },
  { name: 'sanity', label: '$(checklist) Sanity suite', detail: 'Initial loss, masked positions, causality, beam = greedy, loss falls, overfitting 50 captions (trains: seconds for rnn, about half a minute for lstm)' },
  { name: 'flow', label: '$(pulse) Gradient flow through time', detail: 'Vanishing and exploding ‖∂L/∂h_t‖ for T up to 200 and a chosen spectral radius, rnn and lstm, and on a caption' },
  { name: 'sparse', label: '$(filter) Sparse and directional checks', detail: 'Random entries of every parameter, and random directions whose cost does not grow with the parameter count' },
];

/** Checks and their gradient names, for the sweep's pickers. */
function checkChoices(): { check: string; params: string[] }[] {
  const models = [...PARAM_NAMES].sort();
  return [
    ...LAYER_SPECS.map((s) => ({ check: s.layer, params: Object.values(s.grads) })),
    { check: 'captioning_rnn', params: models },
    { check: 'captioning_lstm', params: models },
  ];
}

function titleOf(req: ExploreRequest, result: ExploreResult): string {
  switch (result.kind) {
    case 'sweep':
      return `Step-size sweep: ${result.sweep.check} ${result.sweep.param}`;
    case 'precision':
      return 'float32 against float64';
    case 'bugs':
      return req.bug ? `Bug catalogue: ${req.bug}` : 'Bug catalogue';
    case 'sanity':
      return `Sanity suite on ${result.dataset}`;
    case 'flow':
      return 'Gradient flow through time';
    case 'sparse':
      return 'Sparse and random-direction checks';
  }
}

class ExplorePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: ToExplore = { type: 'empty', message: 'Choose an exploration: Gradient Lab: Explore…' };
  private busy: ToExplore | undefined;
  private runner: ExploreRunner | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: ExploreDeps,
  ) {}

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('gradientLab.explore', 'Gradient Lab: Explore', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { enableScripts: true, localResourceRoots: [dist] });
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icons', 'gradient-lab.svg');
    // Inline, not through the webview service worker (see webviewHtml.ts).
    panel.webview.html = exploreHtml({ cspSource: panel.webview.cspSource, ...inlinePageAssets(dist.fsPath, 'explore.js', ['webview.css', 'explore.css']) });
    panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw));
    panel.onDidDispose(() => {
      this.panel = undefined;
    });
    this.panel = panel;
  }

  /** Sends to the panel; the last result (or notice) is kept for the panel's next `ready`. */
  private post(m: ToExplore): void {
    if (m.type === 'exploreBusy') this.busy = m;
    else {
      this.state = m;
      this.busy = undefined;
    }
    void this.panel?.webview.postMessage(m);
  }

  private async receive(raw: unknown): Promise<void> {
    let m;
    try {
      m = parseFromExplore(raw);
    } catch (err) {
      this.deps.log.error('the exploration view sent a bad message', err);
      return;
    }
    switch (m.type) {
      case 'ready':
        void this.panel?.webview.postMessage(this.state);
        if (this.busy) void this.panel?.webview.postMessage(this.busy);
        break;
      case 'viewError':
        this.deps.log.warn(`exploration view: ${m.message}`);
        break;
      case 'runExplore':
        await this.run(m.request);
        break;
      case 'export': {
        const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(this.context.globalStorageUri.fsPath, m.fileName)), filters: m.format === 'png' ? { PNG: ['png'] } : { JSON: ['json'] } });
        if (!target) return;
        const data = m.format === 'png' ? Buffer.from(m.data.slice('data:image/png;base64,'.length), 'base64') : m.data;
        await writeFileAtomic(target.fsPath, data);
        this.deps.log.info(`exported ${target.fsPath}`);
        break;
      }
      default: {
        const never: never = m;
        this.deps.log.warn(`unhandled exploration message ${JSON.stringify(never)}`);
      }
    }
  }

  /** Runs one exploration in a worker with a cancellable notification, then shows it (undefined: cancelled, replaced or failed). */
  async run(request: ExploreRequest): Promise<ExplorePayload | undefined> {
    this.show();
    const job: ExploreJob = { request, data: this.deps.datasetLocation?.() ?? 'default' };
    this.runner ??= new ExploreRunner(path.join(this.context.extensionUri.fsPath, 'dist', 'exploreWorker.js'));
    const runner = this.runner;
    const label = ITEMS.find((i) => i.name === request.name)?.label.replace(/^\$\([^)]*\)\s*/, '') ?? request.name;
    this.post({ type: 'exploreBusy', message: `Running ${label}` });
    try {
      const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Gradient Lab: ${label}`, cancellable: true }, (progress, token) => {
        // A run started while another goes on replaces it: the earlier one ends quietly as "superseded".
        const r = runner.start(job, (message, fraction) => {
          progress.report({ message });
          this.post({ type: 'exploreBusy', message, fraction });
        });
        const sub = token.onCancellationRequested(() => r.cancel());
        return r.done.finally(() => sub.dispose());
      });
      if (done.kind === 'superseded') {
        this.deps.log.info(`exploration ${request.name} replaced by a newer one`);
        return undefined;
      }
      if (done.kind === 'cancelled') {
        this.deps.log.info(`exploration ${request.name} cancelled`);
        if (this.state.type === 'setExplore') this.post(this.state);
        else this.post({ type: 'empty', message: `${label} was cancelled.` });
        return undefined;
      }
      const payload: ExplorePayload = { request, result: done.result, title: titleOf(request, done.result), ms: done.ms, choices: { checks: checkChoices(), bugs: BUGS.map((b) => ({ id: b.id, title: b.title })) } };
      this.deps.log.info(`exploration ${request.name} done in ${done.ms} ms`);
      this.post({ type: 'setExplore', payload });
      return payload;
    } catch (err) {
      this.deps.log.error(`exploration ${request.name} failed`, err);
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.post({ type: 'empty', message: `${label} failed: ${reason}` });
      const pick = await vscode.window.showErrorMessage(`Gradient Lab: ${label} failed: ${reason}`, 'Open Log');
      if (pick === 'Open Log') this.deps.log.show?.();
      return undefined;
    }
  }

  dispose(): void {
    this.runner?.dispose();
    this.panel?.dispose();
  }
}

/** Asks what to explore; undefined when the user backs out. `arg` presets the sweep (a report's "Explore…"). */
async function pickRequest(arg?: ExploreArg): Promise<ExploreRequest | undefined> {
  if (arg?.request) {
    if (!ITEMS.some((i) => i.name === arg.request?.name)) throw new Error(`unknown exploration "${String(arg.request.name)}": expected one of ${ITEMS.map((i) => i.name).join(', ')}`);
    return arg.request;
  }
  const preset = arg?.name && ITEMS.some((i) => i.name === arg.name) ? (arg.name as ExploreName) : undefined;
  const chosen = preset ?? (await vscode.window.showQuickPick(ITEMS.map((i) => ({ ...i, description: arg?.ref && i.name === 'sweep' ? `${arg.ref.layer} ${arg.ref.param}` : undefined })), { title: 'Gradient Lab: Explore…', placeHolder: 'What to explore', matchOnDetail: true }))?.name;
  if (!chosen) return undefined;
  switch (chosen) {
    case 'sweep': {
      const checks = checkChoices();
      if (arg?.ref && checks.some((c) => c.check === arg.ref?.layer && c.params.includes(arg.ref.param))) return { name: 'sweep', check: arg.ref.layer, param: arg.ref.param };
      const check = await vscode.window.showQuickPick(checks.map((c) => ({ label: c.check, description: c.params.join(', ') })), { title: 'Step-size sweep: which layer or model' });
      if (!check) return undefined;
      const params = checks.find((c) => c.check === check.label)?.params ?? [];
      const param = await vscode.window.showQuickPick(params, { title: `Step-size sweep of ${check.label}: which gradient` });
      return param ? { name: 'sweep', check: check.label, param } : undefined;
    }
    case 'bugs': {
      const pick = await vscode.window.showQuickPick([{ label: 'All ten bugs', id: undefined as string | undefined }, ...BUGS.map((b) => ({ label: b.title, description: b.id, id: b.id as string | undefined }))], { title: 'Bug catalogue' });
      return pick ? { name: 'bugs', bug: pick.id } : undefined;
    }
    case 'sanity': {
      const pick = await vscode.window.showQuickPick([{ label: 'rnn', cells: ['rnn' as const] }, { label: 'lstm', cells: ['lstm' as const] }, { label: 'rnn and lstm', cells: ['rnn' as const, 'lstm' as const] }], { title: 'Sanity suite: which cell' });
      return pick ? { name: 'sanity', cells: pick.cells } : undefined;
    }
    default:
      return { name: chosen };
  }
}

/**
 * Registers "Gradient Lab: Explore…" and its panel. The command resolves to the payload it showed
 * (tests read it). Returns a way to run an exploration directly.
 */
export function registerExplore(context: vscode.ExtensionContext, deps: ExploreDeps): { run(request: ExploreRequest): Promise<ExplorePayload | undefined> } {
  const panel = new ExplorePanel(context, deps);
  context.subscriptions.push(
    panel,
    vscode.commands.registerCommand(EXPLORE_COMMAND, async (arg?: ExploreArg) => {
      try {
        const req = await pickRequest(arg);
        return req ? await panel.run(req) : undefined;
      } catch (err) {
        deps.log.error('Explore…', err);
        void vscode.window.showErrorMessage(`Gradient Lab: Explore… failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }),
  );
  return { run: (r) => panel.run(r) };
}
