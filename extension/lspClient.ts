/**
 * The language client for Gradient Lab's shape server (dist/server.js, its own process over IPC).
 * Self-contained: shapes.ts calls `startLanguageClient` once, `pushShapeContext` whenever the open
 * dataset or the model settings change, and `restartLanguageClient` for the restart command.
 *
 * A server that dies is restarted, with a line in the Gradient Lab log naming how it ended (exit
 * code or signal); after MAX_CRASHES crashes within CRASH_WINDOW_MS (serverCrashes.ts) it is left stopped and one error
 * notification offers the log and a manual restart. The client forks the server itself (rather
 * than handing vscode-languageclient a module to fork) so that it knows each process's exit status.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, IPCMessageReader, IPCMessageWriter, LanguageClient, State,
  type CloseHandlerResult, type ErrorHandler, type ErrorHandlerResult, type LanguageClientOptions, type MessageTransports, type ServerOptions,
} from 'vscode-languageclient/node';
import { ShapeContextNotification, type ShapeContextParams } from '../protocol/lsp';
import { RESTART_LANGUAGE_SERVER } from './constants';
import { CrashWindow, gaveUpLine, gaveUpNotification, restartLine, type ServerExit } from './serverCrashes';

/** What the client needs of the extension's log (extension/log.ts `Log` fits). */
export interface ClientLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
  show?(): void;
}

export { RESTART_LANGUAGE_SERVER };

/** How long a closed connection waits for its process's exit status before logging without it. */
const EXIT_WAIT_MS = 2000;
/** A server still alive this long after the client began to stop it (stop waits 2 s for shutdown) is killed. */
const KILL_AFTER_MS = 4000;

interface ServerProcess {
  child: ChildProcess;
  exit: Promise<ServerExit>;
}

/** Everything the client keeps beside vscode-languageclient's own state. */
interface Supervisor {
  log: ClientLog;
  crashes: CrashWindow;
  /** The process of the current (or last) connection. */
  current?: ServerProcess;
  /** The last context pushed, re-sent after the server restarts. */
  context?: ShapeContextParams;
  /**
   * From a crash until a server runs again (or, after giving up, until one does): the library's
   * errors about the dead connections are not the user's business then. Set synchronously as the
   * connection closes, before the library's rejected requests reach their handlers.
   */
  crashing: boolean;
}

const supervisors = new WeakMap<LanguageClient, Supervisor>();

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Forks the server with an IPC channel (as vscode-languageclient's TransportKind.ipc does) and
 * records how it ends. Its stdout/stderr go to the client's output channel ("Gradient Lab Shapes").
 */
function forkServer(module: string, sup: Supervisor, output: () => vscode.OutputChannel): Promise<MessageTransports> {
  // Under a debugger (the extension host started with --inspect) the server is debuggable too.
  const debug = process.execArgv.some((a) => /^--(inspect|inspect-brk|debug|debug-brk)(=|$)/.test(a));
  const child = fork(module, ['--node-ipc', `--clientProcessId=${process.pid}`], {
    execArgv: debug ? ['--nolazy', '--inspect=6019'] : [],
    // In desktop VS Code process.execPath is Electron: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ELECTRON_NO_ASAR: '1' },
    silent: true,
  });
  const exit = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ pid: child.pid, code, signal }));
  });
  // Not consuming them would stall a server that writes more than the pipe buffer.
  child.stdout?.on('data', (d: Buffer) => output().append(d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => output().append(d.toString('utf8')));
  sup.current = { child, exit };
  return new Promise<MessageTransports>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve({ reader: new IPCMessageReader(child), writer: new IPCMessageWriter(child) }));
  });
}

/**
 * vscode-languageclient, quiet about a server that died: a crash during start-up otherwise shows
 * three or four notifications per crash ("Pending response rejected since connection got
 * disposed", "couldn't create connection to server", "Restarting server failed"). From a crash
 * until a server runs again those messages go to its output channel only; the crash handler tells
 * the user (once, if it gives up).
 */
class ShapeLanguageClient extends LanguageClient {
  constructor(serverOptions: ServerOptions, clientOptions: LanguageClientOptions, private readonly sup: Supervisor) {
    super('gradientLab.shapes', 'Gradient Lab Shapes', serverOptions, clientOptions);
  }

  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    super.error(message, data, this.sup.crashing ? false : showNotification);
  }

  /**
   * The library stops a client whose initialize failed; when that was because the server died,
   * there is nothing to stop (the crash handler restarts it or gives up) and the library's stop
   * of a client that is not running would reject with nobody listening.
   */
  override stop(timeout?: number): Promise<void> {
    if (this.state === State.Starting && this.sup.crashing) return Promise.resolve();
    return super.stop(timeout);
  }
}

/** Restarts a server that died and says so (with how it ended) in the log; gives up after MAX_CRASHES in the window. */
function crashHandler(sup: Supervisor): ErrorHandler {
  return {
    error(error, _message, count): ErrorHandlerResult {
      sup.log.error('Gradient Lab language server: connection error', error);
      return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
    },
    async closed(): Promise<CloseHandlerResult> {
      sup.crashing = true;
      const proc = sup.current;
      let exit: ServerExit | undefined;
      if (proc) {
        exit = await Promise.race([proc.exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), EXIT_WAIT_MS).unref())]);
        // The connection closed but the process lives on: end it, a new one takes its place.
        if (!exit && alive(proc.child)) proc.child.kill();
      }
      if (sup.crashes.record(Date.now())) {
        sup.log.warn(restartLine(exit, sup.crashes));
        return { action: CloseAction.Restart, handled: true };
      }
      const msg = gaveUpLine(exit, sup.crashes);
      sup.log.error(msg);
      void vscode.window.showErrorMessage(gaveUpNotification(exit, sup.crashes), 'Restart Language Server', 'Open Log').then((a) => {
        if (a === 'Restart Language Server') void vscode.commands.executeCommand(RESTART_LANGUAGE_SERVER);
        if (a === 'Open Log') sup.log.show?.();
      });
      return { action: CloseAction.DoNotRestart, handled: true, message: msg };
    },
  };
}

/** Starts the shape server for Python and TypeScript files and notebook cells; the client is disposed with the extension. */
export function startLanguageClient(context: vscode.ExtensionContext, serverModulePath: string, log: ClientLog): LanguageClient {
  const module = path.isAbsolute(serverModulePath) ? serverModulePath : context.asAbsolutePath(serverModulePath);
  const sup: Supervisor = { log, crashes: new CrashWindow(), crashing: false };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      { scheme: 'file', language: 'typescript' },
      // Python cells of any notebook (.ipynb in VS Code's notebook editor); the server analyses across cells.
      { notebook: '*', language: 'python' },
    ],
    errorHandler: crashHandler(sup),
    // Without a handler the library shows the bare error text; a crash is the crash handler's to report.
    initializationFailedHandler: (err) => {
      if (!sup.crashing) log.error('The Gradient Lab language server failed to initialize', err);
      return false;
    },
    outputChannelName: 'Gradient Lab Shapes',
  };
  const client: LanguageClient = new ShapeLanguageClient(() => forkServer(module, sup, () => client.outputChannel), clientOptions, sup);
  supervisors.set(client, sup);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) {
        // Asked to exit (stop, restart, deactivate): a server that hangs instead is killed.
        const proc = sup.current;
        if (proc && alive(proc.child)) setTimeout(() => alive(proc.child) && proc.child.kill(), KILL_AFTER_MS).unref();
        return;
      }
      if (e.newState !== State.Running) return;
      sup.crashing = false;
      log.info(`Gradient Lab language server is running (process ${sup.current?.child.pid ?? 'unknown'}).`);
      if (sup.context) client.sendNotification(ShapeContextNotification.type, sup.context).catch((err: unknown) => log.error('Could not send the shape context to the language server', err));
    }),
    { dispose: () => void client.stop().catch(() => undefined) },
  );
  client.start().catch((err: unknown) => {
    if (!sup.crashing) log.error('Gradient Lab language server failed to start', err);
  });
  return client;
}

/**
 * Starts the server again by hand (after it gave up, or to get a fresh one): the crash count
 * starts over. Resolves once the new server runs, or once it died starting (the crash handler
 * then takes over); rejects on any other failure.
 */
export async function restartLanguageClient(client: LanguageClient): Promise<void> {
  const sup = supervisors.get(client);
  sup?.crashes.reset();
  sup?.log.info('Restarting the Gradient Lab language server (Restart Language Server command).');
  if (client.state === State.Starting) await client.start().catch(() => undefined);
  try {
    // A client that gave up (or never came up) is stopped: start it; a running one stops first.
    if (client.state === State.Running) await client.restart();
    else await client.start();
  } catch (err) {
    // The new server died while starting: the crash handler restarts it or gives up, and says so.
    if (!sup?.crashing) throw err;
  }
}

/**
 * Tells the server the current sizes, cell type and dataset arrays. Remembered, so a server that
 * is still starting (or restarts later) gets it as soon as it runs.
 */
export async function pushShapeContext(client: LanguageClient, params: ShapeContextParams): Promise<void> {
  const sup = supervisors.get(client);
  if (sup) sup.context = params;
  if (client.state === State.Running) await client.sendNotification(ShapeContextNotification.type, params);
}
