import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadCheckpoint } from '../../runtime/checkpointFile';
import { startTraining } from '../../runtime/trainHost';
import { jobFromWorkerData } from '../../runtime/trainJob';
import { jobFromPanel } from '../../runtime/trainProtocol';
import { progressLine } from '../../cli/commands/train';
import type { TrainJob, TrainWorkerEvent } from '../../runtime/trainProtocol';

const COCO_MINI = path.join(__dirname, '..', 'fixtures', 'coco-mini');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-host-'));
const small = (o: Partial<TrainJob> = {}): TrainJob => ({
  dataset: COCO_MINI, cellType: 'rnn', hiddenDim: 16, wordvecDim: 8, updateRule: 'adam', learningRate: 1e-2,
  batchSize: 10, numEpochs: 2, seed: 1, evalEvery: 1, evalSize: 20, sampleCount: 1, ...o,
});

describe('training worker and host', () => {
  it('runs a job: started, every step in order, epochs, samples, checkpoint, done', async () => {
    const file = path.join(tmp, 'run.npz');
    const run = startTraining(small({ save: file, cellType: 'lstm' }));
    const events: TrainWorkerEvent[] = [];
    for await (const e of run.events) events.push(e);
    const s = await run.done;
    assert.equal(events[0].type, 'started');
    assert.equal(events[events.length - 1].type, 'done');
    const steps = events.filter((e) => e.type === 'step');
    assert.equal(s.status, 'done');
    assert.equal(s.totalIterations, 24); // coco-mini: 122 train captions, 122 // 10 = 12 per epoch
    assert.deepEqual(steps.map((e) => e.iteration), Array.from({ length: 24 }, (_, i) => i + 1));
    assert.equal(events.filter((e) => e.type === 'epoch').length, 2);
    const samples = events.filter((e) => e.type === 'samples');
    assert.ok(samples.length >= 1);
    const last = samples[samples.length - 1];
    assert.ok(last.type === 'samples' && last.captions.some((c) => c.split === 'val') && last.captions.every((c) => c.groundTruth.length > 0 && !c.text.includes('<NULL>')));
    const step = steps[5];
    assert.ok(step.type === 'step' && step.progress.itPerSec > 0 && step.progress.etaSeconds! >= 0 && step.learningRate === 1e-2);
    assert.ok(events.some((e) => e.type === 'checkpoint' && e.file === file));
    const ck = loadCheckpoint(file);
    assert.deepEqual(ck.lossHistory, s.lossHistory);
    assert.equal(ck.solver!.iteration, 24);
    assert.equal(ck.config.cellType, 'lstm');
  });

  it('cancel stops the run mid-epoch within one iteration and keeps a checkpoint', async () => {
    const file = path.join(tmp, 'cancel.npz');
    let workerAt = -1;
    const run = startTraining(small({ numEpochs: 50, save: file, evalEvery: 0 }), {
      onEvent: (e) => {
        if (e.type === 'step' && e.iteration === 5 && workerAt < 0) workerAt = run.cancel();
      },
    });
    const s = await run.done;
    assert.equal(s.status, 'cancelled');
    assert.equal(s.stopped, true);
    // The worker may have run ahead of the events the host has read; the stop is seen before its
    // next iteration starts, so at most the one in flight when cancel() was called completes.
    assert.ok(workerAt >= 5, `worker at ${workerAt} when asked`);
    assert.ok(s.iteration >= workerAt && s.iteration <= workerAt + 1, `asked at ${workerAt}, stopped at ${s.iteration}`);
    assert.equal(run.cancel(), -1, 'a second cancel is a no-op');
    assert.ok(s.epoch < 1, 'stopped inside the first epoch');
    assert.equal(loadCheckpoint(file).solver!.iteration, s.iteration);
  });

  it('a snapshot mid-run writes the model as it is at that iteration, and a bad path is a one-line rejection', async () => {
    const file = path.join(tmp, 'snapshot.npz');
    const bad = path.join(tmp, 'no-such-folder', 'snap.npz');
    let asked: Promise<[number, unknown]> | undefined;
    const run = startTraining(small({ numEpochs: 50, evalEvery: 0, sampleCount: 0 }), {
      onEvent: (e) => {
        if (e.type === 'step' && e.iteration === 3 && !asked) {
          asked = Promise.all([run.snapshot(file), run.snapshot(bad).catch((err: Error) => err)]).then(async (r) => {
            run.cancel();
            return r;
          });
        }
      },
    });
    const s = await run.done;
    const [at, err] = await asked!;
    assert.ok(at >= 3 && at < s.totalIterations, `snapshot at ${at}`);
    const ck = loadCheckpoint(file);
    assert.equal(ck.solver!.iteration, at);
    assert.equal(ck.lossHistory.length, at);
    assert.deepEqual(ck.lossHistory, s.lossHistory.slice(0, at));
    assert.ok(err instanceof Error && /^could not save .*no-such-folder.*snap\.npz: /.test(err.message) && !err.message.includes('\n'), String(err));
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('snapshot') && f !== 'snapshot.npz'), [], 'no temp file left');
    await assert.rejects(run.snapshot(path.join(tmp, 'late.npz')), /the run has ended/);
  });

  it('bad input fails with one line: batch larger than the split, missing dataset, unknown rule', async () => {
    await assert.rejects(startTraining(small({ batchSize: 500 })).done, /^Error: batch size 500 is larger than the train split \(122 captions\)$/);
    await assert.rejects(startTraining(small({ dataset: path.join(tmp, 'nope') })).done, (e: Error) => /no such dataset folder/.test(e.message) && !e.message.includes('\n'));
    await assert.rejects(startTraining(small({ updateRule: 'adamax' })).done, /unknown update rule "adamax"/);
    await assert.rejects(startTraining(small({ learningRate: 0 })).done, /learning rate must be a positive number, got 0/);
  });

  it('a crashing or exiting worker is reported as an error, never a hang', async () => {
    const throwing = path.join(tmp, 'throwing.js');
    fs.writeFileSync(throwing, "throw new Error('boom in worker');\n");
    await assert.rejects(startTraining(small(), { workerFile: throwing }).done, /^Error: the training worker crashed: boom in worker$/);
    const exiting = path.join(tmp, 'exiting.js');
    fs.writeFileSync(exiting, "require('node:worker_threads').parentPort.postMessage({ type: 'step', iteration: 3, loss: 1, learningRate: 1, gradNorm: 1, clipped: 0, progress: {} }); setTimeout(() => process.exit(3), 50);\n");
    const evs: string[] = [];
    const run = startTraining(small(), { workerFile: exiting, onEvent: (e) => evs.push(e.type) });
    await assert.rejects(run.done, /^Error: the training worker exited \(code 3\) at iteration 3 without finishing$/);
    assert.deepEqual(evs, ['step', 'error']);
    const silent = path.join(tmp, 'silent.js');
    fs.writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
    const hung = startTraining(small(), { workerFile: silent, cancelGraceMs: 300 });
    hung.cancel();
    await assert.rejects(hung.done, /terminated 0 s after a stop request|terminated .* after a stop request/);
  });

  it('a training worker killed mid-run: the run fails with one line naming the iteration, and a new run starts and finishes', async () => {
    // The real worker, killed from outside at iteration 5 (as the OS or a crash would), not via cancel().
    const evs: TrainWorkerEvent[] = [];
    let killedAt = -1;
    const run = startTraining(small({ numEpochs: 50, evalEvery: 0, sampleCount: 0 }), {
      onEvent: (e) => {
        evs.push(e);
        if (e.type === 'step' && e.iteration === 5 && killedAt < 0) {
          killedAt = e.iteration;
          void run.worker.terminate();
        }
      },
    });
    const err = await run.done.then(() => assert.fail('a killed run must not resolve'), (e: Error) => e);
    assert.match(err.message, /^the training worker exited \(code 1\) at iteration (\d+) without finishing$/);
    const at = Number(/iteration (\d+)/.exec(err.message)![1]);
    assert.ok(at >= killedAt, `killed after step ${killedAt}, reported iteration ${at}`);
    assert.equal(evs[evs.length - 1].type, 'error', 'the last event is the error, so the panel shows "failed"');
    assert.ok(!evs.some((e) => e.type === 'done'));
    assert.equal(run.cancel(), -1, 'a stop after the failure is a no-op');
    await assert.rejects(run.snapshot(path.join(tmp, 'after-kill.npz')), /the run has ended/);

    // A worker that dies by itself in the middle of a real job (process.exit inside the worker, at iteration 4).
    const dying = path.join(tmp, 'dying-worker.js');
    fs.writeFileSync(dying, [
      `require(${JSON.stringify(require.resolve('tsx/cjs'))});`,
      "const { parentPort } = require('node:worker_threads');",
      'const post = parentPort.postMessage.bind(parentPort);',
      "parentPort.postMessage = (m) => { post(m); if (m && m.type === 'step' && m.iteration === 4) process.exit(9); };",
      `require(${JSON.stringify(path.join(__dirname, '..', '..', 'runtime', 'trainWorker.ts'))});`,
    ].join('\n'));
    const types: string[] = [];
    const died = startTraining(small({ numEpochs: 50, evalEvery: 0, sampleCount: 0 }), { workerFile: dying, onEvent: (e) => types.push(e.type) });
    await assert.rejects(died.done, /^Error: the training worker exited \(code 9\) at iteration 4 without finishing$/);
    assert.equal(types.filter((t) => t === 'step').length, 4);
    assert.equal(types[types.length - 1], 'error');

    // The host holds no state from a dead run: the next run starts and finishes.
    const again = startTraining(small({ numEpochs: 1, sampleCount: 0 }));
    const s = await again.done;
    assert.equal(s.status, 'done');
    assert.equal(s.totalIterations, 12);
  });
});

describe('worker input and progress text', () => {
  it("turns the extension's panel form into a job, and the worker takes { job }", () => {
    const config = { cellType: 'lstm', hiddenDim: 64, wordvecDim: 32, updateRule: 'rmsprop', learningRate: 0.01, batchSize: 25, numEpochs: 3, trainSubset: 50, seed: 231 } as const;
    const job = jobFromPanel(config, { kind: 'default' });
    assert.deepEqual(job, { cellType: 'lstm', hiddenDim: 64, wordvecDim: 32, updateRule: 'rmsprop', learningRate: 0.01, batchSize: 25, numEpochs: 3, seed: 231, dataset: { kind: 'default' }, maxTrain: 50 });
    assert.equal(jobFromWorkerData({ job: small() }).hiddenDim, 16);
    assert.throws(() => jobFromWorkerData({}), /needs \{ job \}/);
  });
  it('the terminal progress line shows iteration, epoch, loss, lr, it/s and ETA', () => {
    const line = progressLine({ type: 'step', iteration: 25, loss: 1.23456, learningRate: 0.005, gradNorm: 1, clipped: 0, progress: { iteration: 25, totalIterations: 100, epoch: 12, totalEpochs: 50, itPerSec: 4.5, etaSeconds: 75 } }, 8);
    assert.equal(line, '██░░░░░░  25%  it 25/100  epoch 12/50  loss 1.2346  lr 5.00e-3  4.50 it/s  ETA 1:15');
  });
});
