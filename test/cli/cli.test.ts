// The bundled `gradlab` command: exit statuses, table and JSON output, one-line errors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const gradlab = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input, cwd: root });

describe('gradlab CLI', () => {
  before(() => {
    if (!existsSync(cli)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  });

  it('check prints the table of every layer and exits 0', () => {
    const r = gradlab(['check']);
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['affine', 'rnn_step', 'rnn', 'word_embedding', 'temporal_affine', 'temporal_softmax_loss', 'lstm_step', 'lstm', 'captioning_rnn', 'captioning_lstm']) {
      assert.match(r.stdout, new RegExp(`^${name} `, 'm'));
    }
    assert.match(r.stdout, /All checks pass/);
  });

  it('check --json gives a CheckReport', () => {
    const r = gradlab(['check', '--layer', 'lstm_step', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.layers.length, 1);
    assert.deepEqual(rep.layers[0].params.map((p: { name: string }) => p.name), ['dx', 'dprev_h', 'dprev_c', 'dWx', 'dWh', 'db']);
  });

  it('check exits 1 when a check fails (a step too large to be accurate)', () => {
    const r = gradlab(['check', '--layer', 'lstm', '--h', '0.5']);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /FAIL/);
  });

  it('eval reads a case file and prints outputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-'));
    const file = join(dir, 'case.json');
    writeFileSync(file, JSON.stringify({ op: 'affine', inputs: { x: { shape: [1, 2], dtype: 'float64', data: [1, 2] }, w: { shape: [2, 1], dtype: 'float64', data: [3, 4] }, b: { shape: [1], dtype: 'float64', data: [0.5] } }, dout: { dout: { shape: [1, 1], dtype: 'float64', data: [1] } } }));
    const r = gradlab(['eval', file]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout).outputs;
    assert.deepEqual(out.out.data, [11.5]);
    assert.deepEqual(out.dw.data, [1, 2]);
  });

  for (const [what, args, input, re] of [
    ['malformed JSON', ['eval', '-'], '{"op": ', /^gradlab: -: malformed JSON/],
    ['unknown op', ['eval', '-'], '{"op":"nope","inputs":{},"dout":null}', /^gradlab: op: unknown op "nope"/],
    ['missing file', ['eval', '/nonexistent/case.json'], undefined, /^gradlab: \/nonexistent\/case.json: no such file/],
    ['unknown layer', ['check', '--layer', 'conv'], undefined, /^gradlab: --layer conv: expected one of/],
    ['unknown flag', ['check', '--fast'], undefined, /^gradlab: unknown option --fast/],
    ['unknown command', ['frobnicate'], undefined, /^gradlab: unknown command "frobnicate"/],
  ] as [string, string[], string | undefined, RegExp][]) {
    it(`bad input (${what}) exits 2 with one line, no stack trace`, () => {
      const r = gradlab(args, input);
      assert.equal(r.status, 2);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
});
