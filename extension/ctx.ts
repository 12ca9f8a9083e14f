import * as vscode from 'vscode';
import type { CheckReport, Thresholds } from '../core/gradcheck';
import type { CheckpointSummary, DatasetSource, DatasetSummary, SampleResult } from '../protocol/jobs';
import type {
  FromTraining,
  FromWebviewByView,
  GradFlowPayload,
  HiddenStatesPayload,
  ParamRef,
  ReportPayload,
  ToTraining,
  ToWebviewByView,
  TrainProgress,
  TrainStatus,
} from '../protocol/webview';
import { captionsPayload } from './captionsPayload';
import { config } from './config';
import { ContextKey, View } from './constants';
import { writeFileAtomic } from './files';
import { generationProgress } from './generationProgress';
import { JobRunner } from './jobs';
import { Log } from './log';
import { PersistentState } from './state';
import { Status } from './status';
import { TrainingController } from './training';
import { ChecksTree, type SourcedReport } from './views/checksTree';
import { DatasetTree } from './views/datasetTree';
import { Panels, type HtmlFn, type PanelKind } from './views/panels';
import { inlinePageAssets } from './views/pageAssets';
import { TrainingView } from './views/trainingView';
import { webviewHtml } from './webviewHtml';

/** The key of the engine's own report among the reports in the tree (others: checked Python files). */
export const ENGINE_REPORT = 'engine';

/**
 * The one owner of Gradient Lab's state: the log, the jobs and the training run, the trees, the
 * webviews and the data they show. Views keep nothing: they ask and get everything again.
 * Two cleanup lifetimes: the extension's (`context.subscriptions`) and one training run's
 * (inside TrainingController).
 */
export class Ctx implements vscode.Disposable {
  readonly log: Log;
  readonly status: Status;
  readonly jobs: JobRunner;
  readonly checksTree = new ChecksTree();
  readonly datasetTree = new DatasetTree();
  readonly panels: Panels;
  readonly trainingView: TrainingView;
  readonly training: TrainingController;
  readonly distDir: string;
  readonly state: PersistentState;

  private readonly reports = new Map<string, SourcedReport & { payload: ReportPayload }>();
  private currentReport = ENGINE_REPORT;
  private datasetState?: DatasetSummary;
  private datasetOpening?: Promise<DatasetSummary>;
  hidden?: HiddenStatesPayload;
  gradflow?: GradFlowPayload;
  samples?: SampleResult;
  private checkpointState?: CheckpointSummary;

  private readonly changed = new vscode.EventEmitter<'report' | 'dataset' | 'training'>();
  /** Fires after reports, the dataset or the training state changed (tests and views listen). */
  readonly onDidChange = this.changed.event;

  constructor(readonly context: vscode.ExtensionContext) {
    const push = <T extends vscode.Disposable>(d: T): T => {
      context.subscriptions.push(d);
      return d;
    };
    this.distDir = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
    this.state = new PersistentState(context.workspaceState, context.globalState);
    this.log = push(new Log());
    this.status = push(new Status());
    this.jobs = push(new JobRunner(this.distDir, this.log));
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const html: HtmlFn = (webview, view) =>
      // The bundle and stylesheet go inline, not through the webview service worker (see webviewHtml.ts).
      webviewHtml({ view, cspSource: webview.cspSource, ...inlinePageAssets(dist.fsPath, 'webview.js', ['webview.css']) });
    this.panels = push(
      new Panels(
        context.extensionUri,
        html,
        { state: (v, w) => this.panelState(v, w), receive: (v, m) => this.receive(v, m) },
        this.log,
        () => (this.datasetState ? [vscode.Uri.file(this.datasetState.location)] : []),
      ),
    );
    this.training = push(
      new TrainingController(this.distDir, vscode.Uri.joinPath(context.globalStorageUri, 'runs').fsPath, this.log, {
        post: (m) => this.trainingView.post(m),
        statusChanged: (s, msg, p) => this.onTrainingStatus(s, msg, p),
        modelSaved: (m) => {
          const ds = this.datasetState;
          this.setCheckpoint({
            file: m.file,
            cellType: m.config.cellType,
            hiddenDim: m.config.hiddenDim,
            wordvecDim: m.config.wordvecDim,
            inputDim: ds?.featureDim ?? 0,
            vocabSize: ds?.vocabSize ?? 0,
            iterations: m.iterations,
            finalLoss: m.finalLoss,
          });
        },
      }),
    );
    this.trainingView = push(
      new TrainingView(context.extensionUri, html, { state: () => this.training.stateMessage(), receive: (m) => this.receiveTraining(m) }, this.log),
    );
    push(vscode.window.registerWebviewViewProvider(View.training, this.trainingView));
    for (const d of this.panels.registerSerializers()) push(d);
    push(vscode.window.createTreeView(View.checks, { treeDataProvider: this.checksTree, showCollapseAll: true }));
    push(vscode.window.createTreeView(View.dataset, { treeDataProvider: this.datasetTree }));
    push(this.changed);
    // What the last session had: its check in the tree, its model for sampling and traces.
    const last = this.state.lastReport;
    if (last) this.setReport(ENGINE_REPORT, last.label, last.report, last.thresholds);
    const model = this.state.model;
    if (model) this.setCheckpoint(model);
    push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (config.affects(e, 'training') || config.affects(e, 'model')) {
          this.log.info('training settings changed: they apply to the next run started from the defaults');
        }
      }),
    );
  }

  // ── gradient-check reports ───────────────────────────────────────────────

  /** Puts a report in the tree and in the report view (`key` = ENGINE_REPORT or a checked file). */
  setReport(key: string, label: string, report: CheckReport, thresholds: Thresholds, select?: ParamRef): void {
    const payload: ReportPayload = { report, thresholds, title: label, select };
    this.reports.set(key, { key, label, report, payload });
    if (key === ENGINE_REPORT) this.state.setLastReport({ label, report, thresholds });
    this.currentReport = key;
    this.checksTree.set([...this.reports.values()]);
    void vscode.commands.executeCommand('setContext', ContextKey.hasReport, true);
    this.panels.refresh('report');
    this.changed.fire('report');
  }

  clearReports(): void {
    this.reports.clear();
    this.state.setLastReport(undefined);
    this.checksTree.set([]);
    void vscode.commands.executeCommand('setContext', ContextKey.hasReport, false);
    this.panels.refresh('report');
    this.changed.fire('report');
  }

  report(key = this.currentReport): (SourcedReport & { payload: ReportPayload }) | undefined {
    return this.reports.get(key);
  }

  /** The report holding a layer of that name (the most recent first). */
  reportWithLayer(layer: string): (SourcedReport & { payload: ReportPayload }) | undefined {
    const all = [...this.reports.values()].reverse();
    return all.find((r) => r.report.layers.some((l) => l.layer === layer));
  }

  /** Opens the report view on a report, optionally selecting one parameter. */
  async showReport(key = this.currentReport, select?: ParamRef): Promise<void> {
    const r = this.reports.get(key);
    if (r) {
      this.currentReport = key;
      r.payload = { ...r.payload, select };
    }
    const wasOpen = this.panels.isOpen('report');
    await this.panels.show('report');
    if (wasOpen && select) this.panels.post('report', { type: 'selectParam', ref: select });
  }

  // ── dataset ──────────────────────────────────────────────────────────────

  get dataset(): DatasetSummary | undefined {
    return this.datasetState;
  }

  /** Opens a dataset in a worker; the previous one stays until the new one is fully read. */
  async openDataset(source: DatasetSource, token?: vscode.CancellationToken, onProgress?: (message: string, fraction?: number) => void): Promise<DatasetSummary> {
    // The embedded default's first use generates it (seconds): shown in the caller's notification, or in one of its own.
    const notice = onProgress ? undefined : generationProgress(token);
    const opening = this.jobs.run({ kind: 'datasetInfo', source }, { token: notice?.token ?? token, onProgress: onProgress ?? notice?.onProgress });
    this.datasetOpening = opening;
    try {
      const ds = await opening;
      this.datasetState = ds;
      this.datasetTree.set(ds);
      this.log.info(`dataset open: ${ds.name} (${ds.location}) in ${ds.openMs.toFixed(0)} ms`);
      this.changed.fire('dataset');
      return ds;
    } finally {
      notice?.dispose();
      if (this.datasetOpening === opening) this.datasetOpening = undefined;
    }
  }

  /** The open dataset, opening the configured one (or the embedded default) when none is. */
  async ensureDataset(token?: vscode.CancellationToken): Promise<DatasetSummary> {
    if (this.datasetState) return this.datasetState;
    if (this.datasetOpening) return this.datasetOpening;
    const p = config.datasetPath();
    return this.openDataset(p ? { kind: 'folder', path: p } : { kind: 'default' }, token);
  }

  // ── the trained model ──────────────────────────────────────────────────

  /** The model sampling and traces use: the last checkpoint loaded or written by a run. */
  get checkpoint(): CheckpointSummary | undefined {
    return this.checkpointState;
  }

  setCheckpoint(c: CheckpointSummary | undefined): void {
    this.checkpointState = c;
    this.state.setModel(c);
    void vscode.commands.executeCommand('setContext', ContextKey.hasModel, c !== undefined);
    if (c) this.log.info(`model: ${c.cellType} H=${c.hiddenDim} W=${c.wordvecDim} (${c.iterations} iterations) from ${c.file}`);
    this.changed.fire('training');
    // The trace views' caption pickers offer a sampled caption only while there is a model.
    this.panels.refresh('hidden');
    this.panels.refresh('gradflow');
  }

  // ── webviews ─────────────────────────────────────────────────────────────

  private panelState<V extends PanelKind>(view: V, webview: vscode.Webview): ToWebviewByView[V] {
    const state = ((): ToWebviewByView[PanelKind] => {
      switch (view) {
        case 'report': {
          const r = this.reports.get(this.currentReport);
          return r ? { type: 'setReport', payload: r.payload } : { type: 'empty', message: 'No gradient check has run yet. Run "Gradient Lab: Run Gradient Check".' };
        }
        case 'hidden':
          return this.hidden ? { type: 'setHidden', payload: this.withSamplable(this.hidden) } : { type: 'empty', message: 'Run "Gradient Lab: Show Hidden States" to trace a caption.' };
        case 'gradflow':
          return this.gradflow
            ? { type: 'setGradFlow', payload: this.withSamplable(this.gradflow) }
            : { type: 'empty', message: 'Run "Gradient Lab: Show Gradients per Timestep" to trace a caption.' };
        case 'captions':
          return this.samples
            ? { type: 'setCaptions', payload: captionsPayload(this.samples, webview) }
            : { type: 'empty', message: 'Run "Gradient Lab: Sample Captions" after training a model or loading a checkpoint.' };
      }
      throw new Error(`unknown view ${String(view)}`);
    })();
    return state as ToWebviewByView[V];
  }

  /** A trace payload whose caption picker offers "sampled by the model" exactly when there is a model. */
  private withSamplable<P extends HiddenStatesPayload | GradFlowPayload>(p: P): P {
    return p.caption ? { ...p, caption: { ...p.caption, samplable: this.checkpointState !== undefined } } : p;
  }

  /** Handlers of panel messages, set by the composition root (commands own the behaviour). */
  panelHandler?: <V extends PanelKind>(view: V, msg: FromWebviewByView[V]) => void | Promise<void>;
  trainingHandler?: (msg: Exclude<FromTraining, { type: 'ready' }>) => void | Promise<void>;

  private async receive<V extends PanelKind>(view: V, msg: FromWebviewByView[V]): Promise<void> {
    const m = msg as FromWebviewByView[PanelKind];
    if (m.type === 'viewError') {
      this.log.error(`${view} view: ${m.message}`);
      return;
    }
    if (m.type === 'export') {
      await this.saveExport(m.fileName, m.format, m.data);
      return;
    }
    await this.panelHandler?.(view, msg);
  }

  private async receiveTraining(msg: Exclude<FromTraining, { type: 'ready' }>): Promise<void> {
    if (msg.type === 'viewError') {
      this.log.error(`training view: ${msg.message}`);
      return;
    }
    if (msg.type === 'export') {
      await this.saveExport(msg.fileName, msg.format, msg.data);
      return;
    }
    await this.trainingHandler?.(msg);
  }

  /** Asks where to save something a view exported, then writes it atomically. */
  private async saveExport(fileName: string, format: 'json' | 'png', data: string): Promise<void> {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: base ? vscode.Uri.joinPath(base, fileName) : undefined,
      filters: format === 'json' ? { JSON: ['json'] } : { 'PNG image': ['png'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    const bytes = format === 'json' ? Buffer.from(data, 'utf8') : Buffer.from(data.slice(data.indexOf(',') + 1), 'base64');
    await writeFileAtomic(target.fsPath, bytes);
    this.log.info(`exported ${format} to ${target.fsPath}`);
    void vscode.window.showInformationMessage(`Exported ${fileName} to ${target.fsPath}`);
  }

  postTraining(msg: ToTraining): void {
    this.trainingView.post(msg);
  }

  // ── training status ──────────────────────────────────────────────────────

  private onTrainingStatus(s: TrainStatus, message: string | undefined, p: TrainProgress | undefined): void {
    const running = s === 'running' || s === 'stopping';
    void vscode.commands.executeCommand('setContext', ContextKey.trainingRunning, running);
    if (running) {
      const it = p ? `${p.iteration}/${p.totalIterations}` : '';
      const loss = this.training.snapshot.loss.loss.at(-1);
      this.status.setTraining({ kind: 'training', text: `Training ${it}${loss !== undefined ? ` · loss ${loss.toFixed(3)}` : ''}` });
    } else if (s === 'failed') {
      this.status.setTraining({ kind: 'diverged', text: `Training failed${message ? `: ${message}` : ''}` });
    } else {
      this.status.setTraining({ kind: 'idle' });
    }
    this.changed.fire('training');
  }

  dispose(): void {
    // Everything is in context.subscriptions; this is for tests that build a Ctx by hand.
  }
}
