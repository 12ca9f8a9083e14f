/**
 * Progress of the embedded default dataset's first-use generation (it runs in a job worker, see
 * runtime/defaultDataset.ts) for jobs that open the dataset without a notification of their own:
 * a cancellable progress notification appears when the worker reports a generation, and its
 * Cancel stops the job (which ends the worker; nothing half-written is ever used).
 */
import * as vscode from 'vscode';

export interface GenerationProgress extends vscode.Disposable {
  /** Pass as the job's onProgress. */
  onProgress(message: string, fraction?: number): void;
  /** Pass as the job's token: cancelled by the caller's token or the notification's Cancel. */
  readonly token: vscode.CancellationToken;
}

/** Whether a job's progress message is the default dataset's generation (runtime/jobWorker.ts words it). */
export const isGenerationMessage = (m: string): boolean => m.startsWith('first use: generating the embedded default dataset');

export function generationProgress(outer?: vscode.CancellationToken): GenerationProgress {
  const cts = new vscode.CancellationTokenSource();
  const sub = outer?.onCancellationRequested(() => cts.cancel());
  let report: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  let finish: (() => void) | undefined;
  let shown = false;
  let last = 0;
  return {
    token: cts.token,
    onProgress(message, fraction) {
      if (!shown) {
        if (!isGenerationMessage(message)) return;
        shown = true;
        void vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Gradient Lab: preparing the embedded default dataset (first use, a few seconds)', cancellable: true },
          (progress, token) => {
            report = progress;
            token.onCancellationRequested(() => cts.cancel());
            return new Promise<void>((resolve) => (finish = resolve));
          },
        );
      }
      const f = fraction ?? last;
      report?.report({ message: message.replace(/^first use: /, ''), increment: Math.max(0, (f - last) * 100) });
      last = f;
    },
    dispose() {
      finish?.();
      sub?.dispose();
      cts.dispose();
    },
  };
}

/** A notification's reporter as a job's onProgress (fractions become increments). */
export function reportTo(progress: vscode.Progress<{ message?: string; increment?: number }>): (message: string, fraction?: number) => void {
  let last = 0;
  return (message, fraction) => {
    const f = fraction ?? last;
    progress.report({ message, increment: Math.max(0, (f - last) * 100) });
    last = f;
  };
}
