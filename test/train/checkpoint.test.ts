import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../core/checkpoint/checkpoint';
import { decodeNpy, encodeNpy, readZip, writeNpz, writeZip, crc32 } from '../../core/checkpoint/npz';
import { CaptioningModel, PARAM_NAMES } from '../../core/model';
import { CaptioningSolver } from '../../core/solver';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../../runtime/checkpointFile';
import { toyData, toyVocab } from './toy';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-ckpt-'));

async function trainedCheckpoint(cell: 'rnn' | 'lstm'): Promise<{ ckpt: Checkpoint; model: CaptioningModel }> {
  const data = toyData(40, 7, 12, 1);
  const model = new CaptioningModel({ wordToIdx: toyVocab.wordToIdx, inputDim: 12, wordvecDim: 6, hiddenDim: 9, cellType: cell, seed: 3 });
  const solver = new CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 10, numEpochs: 2, lrDecay: 0.9, seed: 5, evalSize: 10 });
  const r = await solver.train();
  assert.equal(r.status, 'done');
  const ckpt: Checkpoint = {
    config: { cellType: cell, inputDim: 12, wordvecDim: 6, hiddenDim: 9, vocabSize: toyVocab.idxToWord.length, captionLength: 7, dataset: 'toy' },
    params: model.params,
    idxToWord: [...toyVocab.idxToWord],
    lossHistory: r.lossHistory,
    solver: solver.state(),
  };
  return { ckpt, model };
}

describe('npz format', () => {
  it('CRC-32 of "123456789" is cbf43926', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')).toString(16), 'cbf43926');
  });
  it('npy arrays round-trip with 64-byte aligned headers', () => {
    const a = { dtype: 'f8' as const, shape: [2, 3], data: Float64Array.from([1, -2.5, Math.PI, 1e-300, -0, 7]) };
    const b = encodeNpy(a);
    const hlen = b[8] | (b[9] << 8);
    assert.equal((10 + hlen) % 64, 0);
    assert.deepEqual(decodeNpy(b), a);
    const s = { dtype: 'U' as const, shape: [3], data: ['<NULL>', 'héllo', 'a'] };
    assert.deepEqual(decodeNpy(encodeNpy(s)), s);
    const i = { dtype: 'i4' as const, shape: [], data: Int32Array.from([-7]) };
    assert.deepEqual(decodeNpy(encodeNpy(i)), i);
  });
  it('zip reading finds damage: truncation and a flipped byte', () => {
    const z = writeZip([{ name: 'a.npy', data: new Uint8Array([1, 2, 3, 4]) }]);
    assert.deepEqual(readZip(z)[0].data, new Uint8Array([1, 2, 3, 4]));
    assert.throws(() => readZip(z.subarray(0, z.length - 5)), /truncated zip archive/);
    const bad = Uint8Array.from(z);
    bad[30 + 'a.npy'.length + 1] ^= 0xff;
    assert.throws(() => readZip(bad), /a\.npy: damaged zip entry \(CRC-32 mismatch\)/);
    assert.throws(() => readZip(new Uint8Array(100)), /not a zip archive/);
  });
  it('the same arrays give the same bytes', () => {
    const arrays = { x: { dtype: 'f8' as const, shape: [2], data: Float64Array.from([1, 2]) } };
    assert.deepEqual(writeNpz(arrays), writeNpz(arrays));
  });
});

describe('checkpoints', () => {
  it('load back identically (parameters, vocabulary, solver state, loss history), rnn and lstm', async () => {
    for (const cell of ['rnn', 'lstm'] as const) {
      const { ckpt } = await trainedCheckpoint(cell);
      const file = path.join(tmp, `${cell}.npz`);
      saveCheckpoint(file, ckpt);
      const back = loadCheckpoint(file, { idxToWord: toyVocab.idxToWord, D: 12 });
      for (const p of PARAM_NAMES) {
        assert.deepEqual(back.params[p].shape, ckpt.params[p].shape, p);
        assert.deepEqual(back.params[p].data, ckpt.params[p].data, p);
      }
      assert.deepEqual(back.idxToWord, ckpt.idxToWord);
      assert.deepEqual(back.lossHistory, ckpt.lossHistory);
      assert.equal(back.config.cellType, cell);
      const s = ckpt.solver!;
      const bs = back.solver!;
      assert.equal(bs.iteration, 8);
      assert.equal(bs.epoch, 2);
      assert.deepEqual({ ...bs, optimConfigs: undefined }, { ...s, optimConfigs: undefined });
      for (const p of PARAM_NAMES) assert.deepEqual(bs.optimConfigs[p], s.optimConfigs[p], p);
      // Re-encoding what was read gives the same bytes (savedAt included).
      assert.deepEqual(encodeCheckpoint(back), new Uint8Array(fs.readFileSync(file)));
    }
  });

  it('numpy reads the arrays with the CS231n names and the same values', async (t) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with numpy is not installed here');
      return;
    }
    const { ckpt } = await trainedCheckpoint('lstm');
    const file = path.join(tmp, 'py.npz');
    saveCheckpoint(file, ckpt);
    const script = `
import json, sys, numpy as np
z = np.load(sys.argv[1])
out = {"files": sorted(z.files)}
for k in ["W_proj", "b_proj", "W_embed", "Wx", "Wh", "b", "W_vocab", "b_vocab", "loss_history"]:
    a = z[k]
    out[k] = {"dtype": str(a.dtype), "shape": list(a.shape), "sum": float(a.sum()), "first": float(a.ravel()[0]), "last": float(a.ravel()[-1])}
out["idx_to_word"] = [str(w) for w in z["idx_to_word"]]
out["config"] = json.loads(str(z["config"]))
out["solver"] = json.loads(str(z["solver"]))
out["adam_m_Wx_sum"] = float(z["optim/Wx/m"].sum())
print(json.dumps(out))
`;
    const res = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, { dtype: string; shape: number[]; sum: number; first: number; last: number }> & { files: string[]; idx_to_word: string[]; config: Record<string, unknown>; solver: { update_rule: string; optim: Record<string, Record<string, number>> }; adam_m_Wx_sum: number };
    for (const p of PARAM_NAMES) assert.ok(res.files.includes(p), `numpy sees ${p}`);
    const sum = (a: ArrayLike<number>): number => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i];
      return s;
    };
    for (const p of PARAM_NAMES) {
      const t0 = ckpt.params[p];
      assert.equal(res[p].dtype, 'float64');
      assert.deepEqual(res[p].shape, t0.shape, p);
      assert.equal(res[p].first, t0.data[0], p);
      assert.equal(res[p].last, t0.data[t0.data.length - 1], p);
      assert.ok(Math.abs(res[p].sum - sum(t0.data)) <= 1e-12 * Math.max(1, Math.abs(res[p].sum)), `${p} sum ${res[p].sum} vs ${sum(t0.data)}`);
    }
    assert.deepEqual(res.Wx.shape, [6, 36]);
    assert.deepEqual(res.loss_history.shape, [ckpt.lossHistory.length]);
    assert.deepEqual(res.idx_to_word, toyVocab.idxToWord);
    assert.equal(res.config.cell_type, 'lstm');
    assert.equal(res.config.hidden_dim, 9);
    assert.equal(res.solver.update_rule, 'adam');
    assert.equal(res.solver.optim.Wx.t, 8);
    const m = (ckpt.solver!.optimConfigs.Wx as { m: Float64Array }).m;
    assert.ok(Math.abs(res.adam_m_Wx_sum - sum(m)) < 1e-12);
  });

  it('a checkpoint numpy saved (np.savez, compressed too) loads', async (t) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with numpy is not installed here');
      return;
    }
    const { ckpt } = await trainedCheckpoint('rnn');
    const file = path.join(tmp, 'src.npz');
    saveCheckpoint(file, ckpt);
    const out = path.join(tmp, 'resaved.npz');
    execFileSync('python3', ['-c', 'import sys, numpy as np\nz = np.load(sys.argv[1])\nnp.savez_compressed(sys.argv[2], **{k: z[k] for k in z.files})', file, out]);
    const back = loadCheckpoint(out);
    for (const p of PARAM_NAMES) assert.deepEqual(back.params[p].data, ckpt.params[p].data, p);
    assert.deepEqual(back.idxToWord, ckpt.idxToWord);
  });

  it('corrupt files and mismatched datasets get one-line errors naming the problem', async () => {
    const { ckpt } = await trainedCheckpoint('rnn');
    const file = path.join(tmp, 'good.npz');
    saveCheckpoint(file, ckpt);
    const bytes = fs.readFileSync(file);
    const trunc = path.join(tmp, 'trunc.npz');
    fs.writeFileSync(trunc, bytes.subarray(0, bytes.length >> 1));
    assert.throws(() => loadCheckpoint(trunc), (e: Error) => e instanceof CheckpointError && /trunc\.npz: not a readable checkpoint: truncated zip archive/.test(e.message) && !e.message.includes('\n'));
    const flipped = Buffer.from(bytes);
    flipped[2000] ^= 0x55;
    const flip = path.join(tmp, 'flip.npz');
    fs.writeFileSync(flip, flipped);
    assert.throws(() => loadCheckpoint(flip), /flip\.npz: not a readable checkpoint: .*CRC-32 mismatch/);
    const text = path.join(tmp, 'text.npz');
    fs.writeFileSync(text, 'hello, not a zip\n');
    assert.throws(() => loadCheckpoint(text), /text\.npz: not a readable checkpoint: not a zip archive/);
    assert.throws(() => loadCheckpoint(path.join(tmp, 'missing.npz')), /missing\.npz: no such file/);
    const other = writeNpz({ W_proj: { dtype: 'f8', shape: [1], data: new Float64Array(1) } });
    fs.writeFileSync(path.join(tmp, 'other.npz'), other);
    assert.throws(() => loadCheckpoint(path.join(tmp, 'other.npz')), /not a Gradient Lab checkpoint: the array "config" is missing/);
    const words = [...toyVocab.idxToWord];
    words[5] = 'zebra';
    assert.throws(() => loadCheckpoint(file, { idxToWord: words, D: 12, name: 'toy2' }), new RegExp(`vocabulary differs from dataset toy2 at index 5: "${toyVocab.idxToWord[5]}" vs "zebra"`));
    assert.throws(() => loadCheckpoint(file, { idxToWord: words.slice(0, 8), D: 12 }), /checkpoint vocabulary has V = 12 words, but the open dataset has V = 8/);
    assert.throws(() => loadCheckpoint(file, { idxToWord: toyVocab.idxToWord, D: 512 }), /checkpoint expects features of D = 12 \(W_proj \(12, 9\)\), but the open dataset has D = 512/);
  });

  it('a failed save leaves the old file whole and no temp file', async () => {
    const { ckpt } = await trainedCheckpoint('rnn');
    const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
    const file = path.join(dir, 'm.npz');
    saveCheckpoint(file, ckpt);
    const before = fs.readFileSync(file);
    const broken = { ...ckpt, params: { ...ckpt.params, Wx: { shape: [6, 9], data: new Float64Array(3) } } };
    assert.throws(() => saveCheckpoint(file, broken));
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir), ['m.npz']);
    assert.throws(() => saveCheckpoint(path.join(dir, 'no', 'such', 'x.npz'), ckpt), /the folder .* does not exist/);
    assert.equal(decodeCheckpoint(new Uint8Array(before)).config.dataset, 'toy');
  });
});
