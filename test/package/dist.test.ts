// The bundles in dist/ hold code only: the HDF5 library (h5wasm) and the engine's kernel modules are
// each one .wasm file beside them, read by whichever bundle (CLI, worker) needs it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist');
const WASM_FILES = ['hdf5.wasm', 'gemm-plain.wasm', 'gemm-relaxed.wasm'];
const WASM_MAGIC = Buffer.from([0, 0x61, 0x73, 0x6d]);
const fixture = join(root, 'test', 'fixtures', 'coco-mini');

describe('dist: one copy of each binary, bundles of code', () => {
  before(() => {
    if (!existsSync(join(dist, 'cli.js')) || !existsSync(join(dist, 'hdf5.wasm'))) {
      const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
      assert.equal(r.status, 0, 'npm run build failed');
    }
  });

  it('dist/ has the HDF5 library and both kernel builds as .wasm files', () => {
    for (const f of WASM_FILES) {
      const bytes = readFileSync(join(dist, f));
      assert.ok(bytes.subarray(0, 4).equals(WASM_MAGIC), `${f} is not a wasm module`);
    }
    // the kernel modules are the ones scripts/build-wasm.mjs compiled
    for (const kind of ['plain', 'relaxed']) {
      assert.ok(readFileSync(join(dist, `gemm-${kind}.wasm`)).equals(readFileSync(join(root, 'core', 'wasm', 'build', `gemm-${kind}.wasm`))), kind);
    }
  });

  it('no bundle carries a wasm module inline (raw, escaped or base64) and none is larger than 2 MB', () => {
    const bundles = readdirSync(dist).filter((f) => f.endsWith('.js'));
    assert.ok(bundles.includes('cli.js') && bundles.includes('trainWorker.js') && bundles.includes('jobWorker.js'), bundles.join(' '));
    for (const f of bundles) {
      const text = readFileSync(join(dist, f), 'latin1');
      for (const magic of ['\0asm', 'AGFzbQ', '\\0asm', '\\x00asm', '\\u0000asm']) {
        assert.equal(text.indexOf(magic), -1, `${f} holds a wasm module inline (${JSON.stringify(magic)})`);
      }
      assert.ok(text.length < 2 * 1024 * 1024, `${f} is ${text.length} bytes`);
    }
  });

  describe('the CLI bundle reads hdf5.wasm from its own folder', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'gl-dist-'));
      for (const f of readdirSync(dist)) if (f.endsWith('.js') || f.endsWith('.wasm')) copyFileSync(join(dist, f), join(dir, f));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('opens an HDF5 dataset with the file there', () => {
      const r = spawnSync(process.execPath, [join(dir, 'cli.js'), 'data', 'info', fixture], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /train\s+\d+ captions/);
    });

    const train = () =>
      spawnSync(process.execPath, [join(dir, 'cli.js'), 'train', '--dataset', fixture, '--epochs', '1', '--hidden', '16', '--wordvec', '8', '--json'], { encoding: 'utf8' });

    it('trains in its worker on the wasm engine, both read from the .wasm files there', () => {
      const r = train();
      assert.equal(r.status, 0, r.stderr);
      const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; engine?: string }).find((e) => e.type === 'done');
      assert.match(done?.engine ?? '', /^wasm /);
    });

    it('says the kernel module is missing, in one line, without gemm-*.wasm', () => {
      for (const kind of ['plain', 'relaxed']) rmSync(join(dir, `gemm-${kind}.wasm`));
      const r = train();
      assert.equal(r.status, 2);
      assert.match(r.stderr, /cannot read the kernel module .*gemm-plain\.wasm \(ENOENT\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });

    it('says the HDF5 library is missing, in one line, without hdf5.wasm', () => {
      rmSync(join(dir, 'hdf5.wasm'));
      const r = spawnSync(process.execPath, [join(dir, 'cli.js'), 'data', 'info', fixture], { encoding: 'utf8' });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /HDF5 library missing: cannot read .*hdf5\.wasm \(ENOENT\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  });
});
