/**
 * The language client for Gradient Lab's shape server (dist/server.js, its own process over IPC).
 * Self-contained: main.ts calls `startLanguageClient` once and `pushShapeContext` whenever the
 * open dataset or the model settings change; `deactivate` should return `client.stop()`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, State, TransportKind,
  type CloseHandlerResult, type ErrorHandler, type ErrorHandlerResult, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import { ShapeContextNotification, type ShapeContextParams } from '../protocol/lsp';

/** What the client needs of the extension's log (extension/log.ts `Log` fits). */
export interface ClientLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
}

const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** The last context pushed to each client, re-sent after the server restarts. */
const lastContext = new WeakMap<LanguageClient, ShapeContextParams>();

/**
 * Restarts a server that died, up to MAX_RESTARTS times in RESTART_WINDOW_MS, and says so in the
 * log each time (the default handler restarts silently).
 */
function restartingHandler(log: ClientLog): ErrorHandler {
  const restarts: number[] = [];
  return {
    error(error, _message, count): ErrorHandlerResult {
      log.error('Gradient Lab language server: connection error', error);
      return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
    },
    closed(): CloseHandlerResult {
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length >= MAX_RESTARTS) {
        log.error(`Gradient Lab language server stopped ${MAX_RESTARTS + 1} times in 3 minutes; not restarting it. Shape hovers are off until the window reloads.`);
        return { action: CloseAction.DoNotRestart, handled: true };
      }
      restarts.push(now);
      log.warn(`Gradient Lab language server stopped; restarting it (restart ${restarts.length} of ${MAX_RESTARTS} allowed in 3 minutes).`);
      return { action: CloseAction.Restart, handled: true };
    },
  };
}

/** Starts the shape server for Python and TypeScript files; the client is disposed with the extension. */
export function startLanguageClient(context: vscode.ExtensionContext, serverModulePath: string, log: ClientLog): LanguageClient {
  const module = path.isAbsolute(serverModulePath) ? serverModulePath : context.asAbsolutePath(serverModulePath);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      { scheme: 'file', language: 'typescript' },
    ],
    errorHandler: restartingHandler(log),
    outputChannelName: 'Gradient Lab Shapes',
  };
  const client = new LanguageClient('gradientLab.shapes', 'Gradient Lab Shapes', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      if (e.newState !== State.Running) return;
      log.info('Gradient Lab language server is running.');
      const ctx = lastContext.get(client);
      if (ctx) client.sendNotification(ShapeContextNotification.type, ctx).catch((err: unknown) => log.error('Could not send the shape context to the language server', err));
    }),
    { dispose: () => void client.stop().catch(() => undefined) },
  );
  client.start().catch((err: unknown) => log.error('Gradient Lab language server failed to start', err));
  return client;
}

/**
 * Tells the server the current sizes, cell type and dataset arrays. Remembered, so a server that
 * is still starting (or restarts later) gets it as soon as it runs.
 */
export async function pushShapeContext(client: LanguageClient, params: ShapeContextParams): Promise<void> {
  lastContext.set(client, params);
  if (client.state === State.Running) await client.sendNotification(ShapeContextNotification.type, params);
}
