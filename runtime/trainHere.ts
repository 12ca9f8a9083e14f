/**
 * Training on the calling thread, for the command line: the same run as the training worker
 * (runtime/trainWorker.ts) and the same events, without starting a worker thread (about 40 ms of a
 * run's start: a second isolate and a second copy of the engine's code). The solver yields to the
 * event loop between iterations, so Ctrl-C and a closed pipe are seen in time. Not for the
 * extension host, whose thread must stay free: it uses runtime/trainHost.ts.
 */
import { failureEvent, runTrainJob } from './trainJob';
import type { TrainJob, TrainSummary, TrainWorkerEvent } from './trainProtocol';

export interface RunHere {
  /** Asks the run to stop after its current iteration (it then resolves as cancelled). */
  cancel(): void;
  /** The summary, or a one-line Error when the job fails (after its `error` event). */
  readonly done: Promise<TrainSummary>;
}

export function trainHere(job: TrainJob, onEvent: (e: TrainWorkerEvent) => void): RunHere {
  const ctl = new AbortController();
  const done = runTrainJob(job, onEvent, { signal: ctl.signal, tick: () => new Promise<void>((r) => setImmediate(r)) }).then(
    (summary) => {
      onEvent({ type: 'done', ...summary });
      return summary;
    },
    (e: unknown) => {
      const ev = failureEvent(e);
      onEvent(ev);
      throw new Error(ev.message);
    },
  );
  // A caller that only awaits later must not see an unhandled rejection meanwhile.
  done.catch(() => undefined);
  return { cancel: () => ctl.abort(), done };
}
