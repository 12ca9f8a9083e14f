/**
 * Snapshot requests to a training worker that wait for its answer (trainProtocol.ts: the `save`
 * command, answered by a requested `checkpoint` or by `saveFailed`), by file, oldest first; kept by
 * the host API (trainHost.ts), which the CLI and the extension's training controller both use.
 */
export class SnapshotRequests {
  private readonly waiting = new Map<string, { resolve(iteration: number): void; reject(e: Error): void }[]>();

  /** Registers a request for `file`; the promise settles with the worker's answer or `rejectAll`. */
  add(file: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.waiting.set(file, [...(this.waiting.get(file) ?? []), { resolve, reject }]);
    });
  }

  /** The worker wrote `file` at `iteration`. */
  written(file: string, iteration: number): void {
    this.waiting.get(file)?.shift()?.resolve(iteration);
  }

  /** The worker could not write `file`. */
  failed(file: string, message: string): void {
    this.waiting.get(file)?.shift()?.reject(new Error(`could not save ${file}: ${message}`));
  }

  /** The run ended: every request still waiting is rejected with `why(file)`. */
  rejectAll(why: (file: string) => string): void {
    for (const [file, list] of this.waiting) for (const w of list) w.reject(new Error(why(file)));
    this.waiting.clear();
  }
}
