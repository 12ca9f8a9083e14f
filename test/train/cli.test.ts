import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const COCO_MINI = path.join(ROOT, 'test', 'fixtures', 'coco-mini');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-cli-'));

/** Runs the CLI from source (stdout is a pipe, so train writes JSON lines). */
function gradlab(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'main.ts'), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const tiny = ['--dataset', COCO_MINI, '--hidden', '16', '--wordvec', '8', '--batch', '10', '--epochs', '2', '--max-train', '0'];

function oneLineError(r: { code: number; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected: ${r.stderr}`);
  assert.match(lines[0], re);
}

describe('gradlab train / sample', () => {
  it('bad input: exit 2 with one line naming the problem', () => {
    oneLineError(gradlab('train', '--update', 'adamw'), /--update adamw: unknown update rule \(expected one of sgd, sgd_momentum, rmsprop, adam\)/);
    oneLineError(gradlab('train', '--lr', '0'), /--lr 0: the learning rate must be > 0/);
    oneLineError(gradlab('train', '--lr', '-0.5'), /--lr -0.5: the learning rate must be > 0/);
    oneLineError(gradlab('train', ...tiny, '--batch', '500'), /batch size 500 is larger than the train split \(122 captions\)/);
    oneLineError(gradlab('train', '--cell', 'gru'), /--cell gru: expected one of rnn, lstm/);
    oneLineError(gradlab('train', '--save', 'model.bin'), /must end in \.npz/);
    const bad = path.join(tmp, 'corrupt.npz');
    fs.writeFileSync(bad, Buffer.from('PK\u0003\u0004 this is not really a zip'));
    oneLineError(gradlab('sample', '--checkpoint', bad), /corrupt\.npz: not a readable checkpoint: truncated zip archive/);
    oneLineError(gradlab('sample'), /--checkpoint FILE is required/);
  });

  it('trains with JSON lines when piped, saves, and samples from the checkpoint', () => {
    const file = path.join(tmp, 'm.npz');
    const r = gradlab('train', ...tiny, '--save', file, '--seed', '3');
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; iteration?: number; status?: string });
    assert.equal(events[0].type, 'started');
    assert.equal(events.filter((e) => e.type === 'step').length, 24);
    const done = events[events.length - 1];
    assert.equal(done.type, 'done');
    assert.equal(done.status, 'done');
    assert.ok(fs.existsSync(file));

    const s = gradlab('sample', '--checkpoint', file, '--dataset', COCO_MINI, '--n', '3', '--beam', '2');
    assert.equal(s.code, 0, s.stderr);
    const lines = s.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    for (const l of lines) {
      const [ref, truth, sample] = l.split('\t');
      assert.match(ref, /^https?:\/\/|^#\d+$/);
      assert.ok(truth.length > 0 && sample !== undefined && !sample.includes('<NULL>') && !truth.includes('<START>'));
    }
    const t = gradlab('sample', '--checkpoint', file, '--dataset', COCO_MINI, '--n', '2', '--temperature', '0.7', '--json', '--split', 'train');
    assert.equal(t.code, 0, t.stderr);
    const recs = t.stdout.trim().split('\n').map((l) => JSON.parse(l) as { split: string; method: { kind: string } });
    assert.ok(recs.every((x) => x.split === 'train' && x.method.kind === 'temperature'));
    // Resuming continues the saved run: 2 more epochs after the 2 saved ones.
    const more = path.join(tmp, 'more.npz');
    const rr = gradlab('train', ...tiny, '--epochs', '4', '--resume', file, '--save', more);
    assert.equal(rr.code, 0, rr.stderr);
    const ev = rr.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; iteration?: number; resumedAt?: number; lossHistory?: number[] });
    assert.equal(ev[0].resumedAt, 24);
    const steps = ev.filter((e) => e.type === 'step').map((e) => e.iteration);
    assert.deepEqual(steps, Array.from({ length: 24 }, (_, i) => 25 + i));
    const first = (events[events.length - 1] as { lossHistory?: number[] }).lossHistory!;
    assert.deepEqual(ev[ev.length - 1].lossHistory!.slice(0, 24), first);
    // A checkpoint does not fit a dataset with another vocabulary.
    oneLineError(gradlab('sample', '--checkpoint', file, '--dataset', 'default'), /m\.npz: checkpoint vocabulary has V = 1004 words, but dataset default has V = \d+/);
  });

  it('a diverging run exits 1, says so, and keeps the last good parameters in its checkpoint', () => {
    const file = path.join(tmp, 'div.npz');
    const r = gradlab('train', ...tiny, '--update', 'sgd', '--lr', '1000', '--save', file);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^gradlab train: diverged at iteration \d+: .* \(learning rate 1000\); kept the parameters after \d+ updates \(their loss [0-9.]+\)$/);
    // The checkpoint loads (a non-finite parameter would be refused) and stops where the run was kept.
    const s = gradlab('sample', '--checkpoint', file, '--dataset', COCO_MINI, '--n', '1');
    assert.equal(s.code, 0, s.stderr);
  });
});
