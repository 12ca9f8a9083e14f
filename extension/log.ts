import * as vscode from 'vscode';

/** The "Gradient Lab" log output channel; errors also reveal it unless told not to. */
export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;

  constructor(name = 'Gradient Lab') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  info(msg: string, ...args: unknown[]): void {
    this.channel.info(msg, ...args);
  }

  warn(msg: string, ...args: unknown[]): void {
    this.channel.warn(msg, ...args);
  }

  debug(msg: string, ...args: unknown[]): void {
    this.channel.debug(msg, ...args);
  }

  error(msg: string, err?: unknown): void {
    if (err instanceof Error) this.channel.error(`${msg}: ${err.message}${err.stack ? `\n${err.stack}` : ''}`);
    else if (err !== undefined) this.channel.error(`${msg}: ${String(err)}`);
    else this.channel.error(msg);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** The one-line reason of an error, for notifications (the stack goes to the log). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}
