/**
 * Fuzz: `gradlab eval` cases. Valid cases of every op are mutated (every field, wrong types, huge
 * and negative shapes, prototype-named keys, raw bytes); evaluate() must return or throw an
 * EvalError of one line, never anything else. A bounded number of real CLI runs (dist/cli.js)
 * check exit status 2, one line on stderr and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { EVAL_OPS, EvalError, evaluate, type EvalCase, type JsonTensor } from '../../core/eval';
import { assertOneLine, PROTO_NAMES, Rand, WRONG_VALUES } from './rules';

const f64 = (r: Rand, shape: number[]): JsonTensor => ({ shape, dtype: 'float64', data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.next() * 2 - 1) });
const i64 = (r: Rand, shape: number[], upper: number): JsonTensor => ({ shape, dtype: 'int64', data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.int(upper)) });

/** One valid case per op (small sizes). */
function validCases(r: Rand): EvalCase[] {
  const N = 2, T = 3, D = 4, H = 5, V = 6, M = 3;
  const cases: EvalCase[] = [
    { op: 'affine', inputs: { x: f64(r, [N, D]), w: f64(r, [D, M]), b: f64(r, [M]) }, dout: { dout: f64(r, [N, M]) } },
    { op: 'rnn_step', inputs: { x: f64(r, [N, D]), prev_h: f64(r, [N, H]), Wx: f64(r, [D, H]), Wh: f64(r, [H, H]), b: f64(r, [H]) }, dout: { dnext_h: f64(r, [N, H]) } },
    { op: 'rnn', inputs: { x: f64(r, [N, T, D]), h0: f64(r, [N, H]), Wx: f64(r, [D, H]), Wh: f64(r, [H, H]), b: f64(r, [H]) }, dout: { dh: f64(r, [N, T, H]) } },
    { op: 'word_embedding', inputs: { x: i64(r, [N, T], V), W: f64(r, [V, D]) }, dout: { dout: f64(r, [N, T, D]) } },
    { op: 'lstm_step', inputs: { x: f64(r, [N, D]), prev_h: f64(r, [N, H]), prev_c: f64(r, [N, H]), Wx: f64(r, [D, 4 * H]), Wh: f64(r, [H, 4 * H]), b: f64(r, [4 * H]) }, dout: { dnext_h: f64(r, [N, H]), dnext_c: f64(r, [N, H]) } },
    { op: 'lstm', inputs: { x: f64(r, [N, T, D]), h0: f64(r, [N, H]), Wx: f64(r, [D, 4 * H]), Wh: f64(r, [H, 4 * H]), b: f64(r, [4 * H]) }, dout: { dh: f64(r, [N, T, H]) } },
    { op: 'temporal_affine', inputs: { x: f64(r, [N, T, D]), w: f64(r, [D, M]), b: f64(r, [M]) }, dout: { dout: f64(r, [N, T, M]) } },
    { op: 'temporal_softmax_loss', inputs: { x: f64(r, [N, T, V]), y: i64(r, [N, T], V), mask: { shape: [N, T], dtype: 'bool', data: Array.from({ length: N * T }, () => r.next() < 0.7) } }, dout: null },
    { op: 'rel_error', inputs: { x: f64(r, [D]), y: f64(r, [D]) }, dout: null },
    { op: 'eval_numerical_gradient_array', params: { fn: 'affine', wrt: 'x' }, inputs: { x: f64(r, [N, D]), w: f64(r, [D, M]), b: f64(r, [M]) }, dout: { df: f64(r, [N, M]) } },
  ];
  const Wd = 3;
  const model = {
    W_proj: f64(r, [D, H]), b_proj: f64(r, [H]), W_embed: f64(r, [V, Wd]), Wx: f64(r, [Wd, H]), Wh: f64(r, [H, H]), b: f64(r, [H]), W_vocab: f64(r, [H, V]), b_vocab: f64(r, [V]),
    features: f64(r, [N, D]),
  };
  cases.push({ op: 'captioning_rnn_loss', inputs: { ...model, captions: i64(r, [N, T + 1], V) }, dout: null });
  cases.push({ op: 'captioning_rnn_sample', params: { max_length: 4 }, inputs: model, dout: null });
  return cases;
}

/** Runs evaluate(); anything but a result or a one-line EvalError is a finding. */
function check(input: unknown, label: string): 'ok' | 'refused' {
  try {
    evaluate(input);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof EvalError, `${label}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assertOneLine(e.message);
    return 'refused';
  }
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** One random mutation of a case (in place on a clone). */
function mutate(r: Rand, c: EvalCase): { value: unknown; what: string } {
  const x = clone(c) as unknown as Record<string, unknown>;
  const inputs = x.inputs as Record<string, JsonTensor>;
  const names = Object.keys(inputs);
  const name = r.pick(names);
  const t = inputs[name] as unknown as Record<string, unknown>;
  const kind = r.int(16);
  switch (kind) {
    case 0: x.op = r.pick([...PROTO_NAMES, ...EVAL_OPS, '', 'affine\nevil', 'x'.repeat(5000)]); return { value: x, what: `op ${JSON.stringify(x.op).slice(0, 40)}` };
    case 1: x[r.pick(['op', 'inputs', 'dout', 'params'])] = r.pick(WRONG_VALUES); return { value: x, what: 'field of wrong type' };
    case 2: inputs[name] = r.pick(WRONG_VALUES) as JsonTensor; return { value: x, what: `inputs.${name} wrong type` };
    case 3: t.shape = r.pick([[-1], [1e9, 1e9], [2 ** 53], [1e308], [-0], [1.5], ['2'], null, [], [0], [Infinity], [NaN]]); return { value: x, what: `inputs.${name}.shape` };
    case 4: t.dtype = r.pick(['float32', 'int64', 'bool', 'float64', null, 7, '__proto__']); return { value: x, what: `inputs.${name}.dtype` };
    case 5: { const d = t.data as unknown[]; if (d.length) d[r.int(d.length)] = r.pick([null, 'NaN', true, Number.POSITIVE_INFINITY, -1, 2 ** 40, [], {}]); return { value: x, what: `inputs.${name}.data element` }; }
    case 6: (t.data as unknown[]).pop(); return { value: x, what: `inputs.${name}.data too short` };
    case 7: delete inputs[name]; return { value: x, what: `inputs.${name} deleted` };
    case 8: inputs[r.pick(PROTO_NAMES)] = inputs[name]; return { value: x, what: 'prototype-named input' };
    case 9: x.params = Object.fromEntries(PROTO_NAMES.map((k) => [k, r.pick(WRONG_VALUES)])); return { value: x, what: 'prototype-named params' };
    case 10: x.params = { fn: r.pick([...PROTO_NAMES, 'affine', 'rnn']), wrt: r.pick([...PROTO_NAMES, name]), fn_output: r.pick([...PROTO_NAMES, 'out']), h: r.pick([1e-5, 0, -1, 'x', null]) }; x.op = r.pick(['eval_numerical_gradient', 'eval_numerical_gradient_array']); return { value: x, what: 'numeric-gradient params' };
    case 11: x.dout = r.pick([{}, null, { [r.pick(PROTO_NAMES)]: t }, { dout: 'x' }]); return { value: x, what: 'dout' };
    case 12: t.shape = (t.shape as number[]).slice().reverse(); return { value: x, what: `inputs.${name}.shape reversed` };
    case 13: x.params = { word_to_idx: Object.fromEntries([...PROTO_NAMES, '<NULL>'].map((k, i) => [k, r.pick([i, 'x', -1])])), cell_type: r.pick(['rnn', 'lstm', '__proto__', 1]), max_length: r.pick([1, 0, -3, 3, 'x']) }; return { value: x, what: 'model params' };
    case 14: t.data = (t.data as unknown[]).map(() => r.pick([NaN, Infinity, -Infinity, 0])); return { value: JSON.parse(JSON.stringify(x).replace(/null/g, '1e999')), what: 'non-finite data' };
    default: return { value: r.pick([null, 42, 'str', [], [x], { op: x.op }]), what: 'case of wrong type' };
  }
}

describe('fuzz: gradlab eval (named findings)', () => {
  // Found by the fuzz suite / issue 17: ops named like Object.prototype members.
  for (const op of PROTO_NAMES) {
    it(`op "${op}" is an unknown op, in one line`, () => {
      assert.throws(() => evaluate({ op, inputs: {}, dout: null }), (e: unknown) => e instanceof EvalError && /^op: unknown op "/.test(e.message) && !e.message.includes('\n'));
    });
  }
  it('params.fn / params.wrt / params.fn_output named like prototype members are refused by name', () => {
    for (const k of PROTO_NAMES) {
      assert.throws(() => evaluate({ op: 'eval_numerical_gradient', params: { fn: k, wrt: 'x' }, inputs: {}, dout: null }), /EvalError: params\.fn: "/);
      assert.throws(() => evaluate({ op: 'eval_numerical_gradient', params: { fn: 'affine', wrt: k }, inputs: {}, dout: null }), /EvalError: params\.wrt: "/);
      assert.throws(() => evaluate({ op: 'eval_numerical_gradient', params: { fn: 'affine', wrt: 'x', fn_output: k }, inputs: {}, dout: null }), /EvalError: params\.fn_output: "/);
    }
  });
  it('an input named like a prototype member is not found on the prototype', () => {
    assert.throws(() => evaluate({ op: 'rel_error', inputs: JSON.parse('{"__proto__": {"shape": [1], "dtype": "float64", "data": [1]}, "y": {"shape": [1], "dtype": "float64", "data": [1]}}'), dout: null }), /EvalError: inputs\.x: missing/);
  });
  it('a multi-line or huge op name is quoted on one line and cut', () => {
    assert.throws(() => evaluate({ op: 'a\nb', inputs: {}, dout: null }), (e: unknown) => e instanceof EvalError && e.message.includes('"a\\nb"') && !e.message.includes('\n'));
    assert.throws(() => evaluate({ op: 'x'.repeat(10000), inputs: {}, dout: null }), (e: unknown) => e instanceof EvalError && e.message.length < 400);
  });
  it('word_to_idx with a prototype-named word and no <NULL> entry says so', () => {
    const r = new Rand(1);
    const c = validCases(r).find((k) => k.op === 'captioning_rnn_loss')!;
    const w2i = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [i === 0 ? '__proto__' : `w${i}`, i]));
    assert.throws(() => evaluate({ ...c, params: { word_to_idx: w2i } }), /params\.word_to_idx: no "<NULL>" entry/);
  });
});

describe('fuzz: gradlab eval (seeded)', () => {
  it('every valid case evaluates', () => {
    for (const c of validCases(new Rand(7))) assert.equal(check(c, c.op), 'ok', c.op);
  });
  it('seed 17: 1500 mutated cases give a result or one EvalError line', () => {
    const r = new Rand(17);
    const base = validCases(r);
    const tally = { ok: 0, refused: 0 };
    for (let i = 0; i < 1500; i++) {
      const c = base[i % base.length];
      const m = mutate(r, c);
      tally[check(m.value, `#${i} ${c.op}: ${m.what}`)]++;
    }
    assert.ok(tally.refused > 750, `only ${tally.refused} of 1500 mutations refused`);
  });
  it('seed 18: raw byte garbage and truncated JSON never parse into a crash', () => {
    const r = new Rand(18);
    const text = JSON.stringify(validCases(r)[2]);
    for (let i = 0; i < 300; i++) {
      let s = i % 2 === 0 ? text.slice(0, r.int(text.length)) : Buffer.from(r.bytes(1 + r.int(200))).toString('latin1');
      if (i % 3 === 0) s = text.replace(/"op":"rnn"/, `"op":${JSON.stringify(r.pick(PROTO_NAMES))}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        continue; // the CLI turns this into "malformed JSON" (checked below)
      }
      check(parsed, `garbage #${i}`);
    }
  });
});

const cli = path.resolve('dist/cli.js');
describe('fuzz: gradlab eval through the CLI (exit 2, one line)', { skip: !existsSync(cli) && 'dist/cli.js is not built (npm run build)' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-fuzz-eval-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const r = new Rand(19);
  const base = validCases(r);
  const inputs: [string, string | Uint8Array][] = [
    ...PROTO_NAMES.slice(0, 2).map((op): [string, string] => [`op ${op}`, JSON.stringify({ op, inputs: {}, dout: null })]),
    ['raw bytes', r.bytes(300)],
    ['truncated JSON', JSON.stringify(base[0]).slice(0, 50)],
    ['huge shape', JSON.stringify({ ...base[0], inputs: { ...base[0].inputs, x: { shape: [1e9, 1e9], dtype: 'float64', data: [] } } })],
    ['negative shape', JSON.stringify({ ...base[0], inputs: { ...base[0].inputs, x: { shape: [-2, 4], dtype: 'float64', data: [] } } })],
  ];
  for (const [what, content] of inputs) {
    it(`${what}: exit 2, one line, no stack`, () => {
      const file = path.join(dir, 'case.json');
      writeFileSync(file, content);
      const p = spawnSync(process.execPath, [cli, 'eval', file], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(p.status, 2, `exit ${p.status}; stderr: ${p.stderr}`);
      assert.equal(p.stdout, '');
      assert.equal(p.stderr.trimEnd().split('\n').length, 1, p.stderr);
      assertOneLine(p.stderr);
    });
  }
});
