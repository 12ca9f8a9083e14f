/**
 * Fuzz: checkpoints (truncated, bytes flipped, entries missing, wrong shapes, another vocabulary)
 * must load or fail with one CheckpointError line naming the file; and a save that fails (disk
 * full, read-only folder) leaves the previous checkpoint as it was and says why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeCheckpoint, type Checkpoint } from '../../core/checkpoint/checkpoint';
import { readZip, writeZip } from '../../core/checkpoint/npz';
import { CaptioningModel } from '../../core/model';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../../runtime/checkpointFile';
import { toyVocab } from '../train/toy';
import { assertOneLine, PROTO_NAMES, Rand } from './rules';

const dir = fs.mkdtempSync(path.join(tmpdir(), 'gl-fuzz-ckpt-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function checkpoint(): Checkpoint {
  const model = new CaptioningModel({ wordToIdx: toyVocab.wordToIdx, inputDim: 12, wordvecDim: 6, hiddenDim: 9, cellType: 'lstm', seed: 3 });
  return {
    config: { cellType: 'lstm', inputDim: 12, wordvecDim: 6, hiddenDim: 9, vocabSize: toyVocab.idxToWord.length, captionLength: 7, dataset: 'toy' },
    params: model.params,
    idxToWord: [...toyVocab.idxToWord],
    lossHistory: [3, 2, 1],
  };
}

const shape = { idxToWord: toyVocab.idxToWord, D: 12, name: 'toy' };

function verdict(bytes: Uint8Array, label: string, ds = shape): 'ok' | 'refused' {
  const file = path.join(dir, 'fuzz.npz');
  fs.writeFileSync(file, bytes);
  try {
    loadCheckpoint(file, ds);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof CheckpointError, `${label}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assertOneLine(e.message, 'fuzz.npz');
    return 'refused';
  }
}

describe('fuzz: checkpoints (seeded)', () => {
  const good = encodeCheckpoint(checkpoint());
  it('the unharmed checkpoint loads', () => assert.equal(verdict(good, 'good'), 'ok'));
  it('seed 41: truncated at 40 points', () => {
    const r = new Rand(41);
    for (let i = 0; i < 40; i++) assert.equal(verdict(good.slice(0, r.int(good.length)), `cut #${i}`), 'refused');
  });
  it('seed 42: bytes flipped (300 files)', () => {
    const r = new Rand(42);
    for (let i = 0; i < 300; i++) {
      const b = good.slice();
      for (let k = 0, n = 1 + r.int(20); k < n; k++) b[r.int(b.length)] ^= 1 << r.int(8);
      verdict(b, `flip #${i}`);
    }
  });
  it('entries missing, renamed to prototype names, or swapped (wrong shapes)', () => {
    const entries = readZip(good, (d) => inflateRawSync(d));
    for (let i = 0; i < entries.length; i++) {
      const without = entries.filter((_, k) => k !== i);
      // The loss history (and solver state) are optional: a checkpoint without them still loads.
      const optional = /^(loss_history|solver|optim)/.test(entries[i].name);
      const v = verdict(writeZip(without), `without ${entries[i].name}`);
      if (!optional) assert.equal(v, 'refused', `without ${entries[i].name}`);
      for (const p of PROTO_NAMES.slice(0, 3)) {
        { const w = verdict(writeZip([...without, { ...entries[i], name: `${p}.npy` }]), `${entries[i].name} renamed ${p}`); if (!optional) assert.equal(w, 'refused'); }
      }
    }
    for (let i = 0; i + 1 < entries.length; i++) {
      const swapped = entries.map((e, k) => (k === i ? { ...e, name: entries[i + 1].name } : k === i + 1 ? { ...e, name: entries[i].name } : e));
      verdict(writeZip(swapped), `swapped ${entries[i].name} ${entries[i + 1].name}`);
    }
  });
  it('another vocabulary or feature size: refused, naming what differs', () => {
    const file = path.join(dir, 'other.npz');
    fs.writeFileSync(file, good);
    const other = [...toyVocab.idxToWord];
    other[5] = '__proto__';
    assert.throws(() => loadCheckpoint(file, { ...shape, idxToWord: other }), /other\.npz: checkpoint vocabulary differs from dataset toy at index 5/);
    assert.throws(() => loadCheckpoint(file, { ...shape, idxToWord: other.slice(0, 8) }), /V = 12 words, but dataset toy has V = 8/);
    assert.throws(() => loadCheckpoint(file, { ...shape, D: 13 }), /D = 12 .* has D = 13/);
  });
});

describe('faults: saving a checkpoint', () => {
  it('disk full (a write error injected into the atomic writer): the previous checkpoint survives, the message says why', () => {
    const file = path.join(dir, 'model.npz');
    saveCheckpoint(file, checkpoint());
    const before = fs.readFileSync(file);
    const real = fsModule.writeSync;
    (fsModule as { writeSync: unknown }).writeSync = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    try {
      assert.throws(() => saveCheckpoint(file, { ...checkpoint(), lossHistory: [9] }), (e: unknown) => e instanceof Error && /cannot save .*model\.npz: ENOSPC: no space left on device/.test(e.message) && !e.message.includes('\n'));
    } finally {
      (fsModule as { writeSync: unknown }).writeSync = real;
    }
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'a temp file was left behind');
  });
  it('read-only folder (EROFS injected at open): the previous checkpoint survives, the message says why', () => {
    const file = path.join(dir, 'model.npz');
    const before = fs.readFileSync(file);
    const real = fsModule.openSync;
    (fsModule as { openSync: unknown }).openSync = (...a: unknown[]) => {
      if (String(a[0]).endsWith('.tmp')) throw Object.assign(new Error(`EROFS: read-only file system, open '${String(a[0])}'`), { code: 'EROFS' });
      return (real as (...x: unknown[]) => number)(...a);
    };
    try {
      assert.throws(() => saveCheckpoint(file, checkpoint()), /cannot save .*model\.npz: EROFS: read-only file system/);
    } finally {
      (fsModule as { openSync: unknown }).openSync = real;
    }
    assert.deepEqual(fs.readFileSync(file), before);
  });
  const mnt = path.join(dir, 'small-fs');
  let mounted = false;
  if (process.getuid?.() === 0 && process.platform === 'linux') {
    try {
      fs.mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false;
    }
  }
  after(() => {
    if (mounted) execFileSync('umount', [mnt], { stdio: 'ignore' });
  });
  it('a real full disk (64 KB tmpfs) and a real read-only remount', { skip: !mounted && 'needs root and mount (tmpfs)' }, () => {
    const file = path.join(mnt, 'model.npz');
    const small = checkpoint();
    saveCheckpoint(file, small);
    const before = fs.readFileSync(file);
    // Fill the rest of the disk, then try to save a checkpoint of the same size.
    try {
      fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(64 * 1024));
    } catch {
      /* full: what we want */
    }
    assert.throws(() => saveCheckpoint(file, { ...small, lossHistory: Array.from({ length: 2000 }, (_, i) => i) }), /cannot save .*model\.npz: ENOSPC/);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(mnt).filter((f) => f.endsWith('.tmp')), []);
    fs.rmSync(path.join(mnt, 'filler'), { force: true });
    execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'ignore' });
    try {
      assert.throws(() => saveCheckpoint(file, small), /cannot save .*model\.npz: EROFS/);
      assert.deepEqual(fs.readFileSync(file), before);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt], { stdio: 'ignore' });
    }
  });
});
