import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ShapeContextParams } from '../protocol/lsp';
import { config } from './config';
import type { Ctx } from './ctx';
import { errorMessage } from './log';
import { RESTART_LANGUAGE_SERVER } from './constants';

/** The numbers behind the hovers' letters: model settings and the open dataset. */
export function shapeContext(c: Ctx): ShapeContextParams {
  const t = config.training();
  const ds = c.dataset;
  return {
    sizes: { N: t.batchSize, H: t.hiddenDim, W: t.wordvecDim, ...(ds ? { T: ds.captionLength - 1, D: ds.featureDim, V: ds.vocabSize } : {}) },
    cellType: t.cellType,
    datasetKeys: ds?.keys ?? [],
  };
}

/** The language client's module, loaded on first use: vscode-languageclient is most of the bundle's load time. */
type ClientModule = typeof import('./lspClient.js');
let clientModule: Promise<ClientModule> | undefined;
const loadClient = (): Promise<ClientModule> => (clientModule ??= import('./lspClient.js'));

/**
 * The shape language server starts with the first Python or TypeScript document, not at
 * activation (when one is open already, just after activate returns); afterwards every dataset or
 * settings change is pushed to it.
 */
export class ShapeService implements vscode.Disposable {
  private client?: LanguageClient;
  /** Set while the client's module loads and the client is created, so two starts make one client. */
  private starting?: Promise<void>;
  private stopped = false;

  constructor(private readonly c: Ctx) {
    const wanted = (d: vscode.TextDocument): boolean => d.languageId === 'python' || d.languageId === 'typescript';
    if (vscode.workspace.textDocuments.some(wanted)) this.start();
    else {
      const sub = vscode.workspace.onDidOpenTextDocument((d) => {
        if (!wanted(d)) return;
        sub.dispose();
        this.start();
      });
      c.context.subscriptions.push(sub);
    }
    c.context.subscriptions.push(
      vscode.commands.registerCommand(RESTART_LANGUAGE_SERVER, () => this.restart()),
      c.onDidChange((what) => what === 'dataset' && this.push()),
      vscode.workspace.onDidChangeConfiguration((e) => (config.affects(e, 'model') || config.affects(e, 'training')) && this.push()),
    );
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  private start(): Promise<void> {
    this.stopped = false;
    this.starting ??= loadClient().then(
      (m) => {
        if (this.client || this.stopped) return;
        this.client = m.startLanguageClient(this.c.context, 'dist/server.js', this.c.log);
        this.push();
      },
      (err: unknown) => {
        this.starting = undefined;
        this.c.log.error('Loading the Gradient Lab language client failed', err);
      },
    );
    return this.starting;
  }

  /** "Restart Language Server": a fresh server (started now if no Python or TypeScript file was open yet). */
  private async restart(): Promise<void> {
    if (!this.client) return this.start();
    try {
      await (await loadClient()).restartLanguageClient(this.client);
    } catch (err) {
      this.c.log.error('Restarting the Gradient Lab language server failed', err);
      void vscode.window.showErrorMessage(`Gradient Lab: restarting the language server failed: ${errorMessage(err)}`, 'Open Log').then((a) => a && this.c.log.show());
    }
  }

  private push(): void {
    const cl = this.client;
    if (cl) void loadClient().then((m) => m.pushShapeContext(cl, shapeContext(this.c))).catch((err: unknown) => this.c.log.error('sending the shape context', err));
  }

  /** Stops the server; VS Code waits for this on shutdown. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.starting = undefined;
    const cl = this.client;
    this.client = undefined;
    await cl?.stop().catch(() => undefined);
  }

  dispose(): void {
    void this.stop();
  }
}
