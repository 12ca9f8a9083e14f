/** `gradlab data info`: text and JSON output, exit 2 with one line for a bad dataset or usage. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../cli/args';
import { run, runWith, type DataInfo } from '../../cli/commands/data';

/** Runs the command with stdout/stderr captured. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWith(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'coco-mini');

describe('gradlab data info', () => {
  it('describes the default dataset in text', async () => {
    const r = await capture(['info']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^dataset {3}default \(/);
    assert.match(r.out, /T = 17 .*D = 512, V = 39/);
    assert.match(r.out, /train {5}100000 captions, 20000 images/);
    assert.match(r.out, /val {7}25000 captions, 5000 images/);
    assert.match(r.out, /\[0\] image 0: [a-z ]+\n/);
    assert.match(r.out, /valid {5}yes/);
  });

  it('--json for the COCO fixture', async () => {
    const r = await capture(['info', FIXTURE, '--json', '--captions', '2']);
    assert.equal(r.code, 0, r.err);
    const info = JSON.parse(r.out) as DataInfo;
    assert.equal(info.ok, true);
    assert.deepEqual([info.T, info.D, info.V], [17, 512, 1004]);
    assert.deepEqual(info.specials, { null: 0, start: 1, end: 2, unk: 3 });
    assert.equal(info.splits.val.images, 25);
    assert.equal(info.splits.train.firstCaptions.length, 2);
    assert.equal(info.splits.train.firstCaptions[0].text, 'a dining room table set for a meal');
    assert.deepEqual(info.warnings, []);
  });

  it('a bad dataset: exit 2, one line on stderr, JSON error on stdout with --json', async () => {
    const r = await capture(['info', FIXTURE, '--fc7', '--json']);
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.out), { ok: false, source: FIXTURE, error: `train2014_vgg16_fc7.h5: missing file in ${FIXTURE} (the PCA files are there: open with pcaFeatures = true)` });
    assert.equal(r.err.trim().split('\n').length, 1);
    const missing = await capture(['info', '/nonexistent/dataset']);
    assert.equal(missing.code, 2);
    assert.equal(missing.err, 'gradlab data: invalid dataset: /nonexistent/dataset: no such dataset folder\n');
  });

  it('bad usage is a one-line UsageError (cli/main.ts prints it, exit 2)', async () => {
    await assert.rejects(run([]), (e: unknown) => e instanceof UsageError && !e.message.includes('\n') && /missing subcommand/.test(e.message));
    await assert.rejects(run(['show']), /unknown subcommand "show"/);
    await assert.rejects(run(['info', 'a', 'b']), /one dataset at a time/);
    await assert.rejects(run(['info', '--captions', 'x']), /--captions x: expected an integer/);
  });
});
