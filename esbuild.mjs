// Bundles every entry point of Gradient Lab. `node esbuild.mjs [--production] [--watch]`.
// Node bundles are CommonJS (VS Code loads extensions that way); h5wasm is ESM and reads
// import.meta.url, so Node bundles get a shim that defines it from __filename.
// Binaries ship once, as files beside the bundles, never inlined: dist/hdf5.wasm (the HDF5 library,
// which h5wasm's Node build carries inline; see h5wasmFromFile) and the engine's kernel modules
// dist/gemm-{plain,relaxed}.wasm (read by core/wasm/build/modules.js).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runInNewContext } from 'node:vm';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

mkdirSync('dist', { recursive: true });
const shim = 'dist/.import-meta-url-shim.js';
writeFileSync(shim, 'export const import_meta_url = require("url").pathToFileURL(__filename).href;\n');

/** @type {{ entry: string, out: string, platform: 'node' | 'browser', banner?: string }[]} */
const entries = [
  // The banner starts the clock of the bundle's load (extension/main.ts reports it with activation).
  { entry: 'extension/main.ts', out: 'dist/extension.js', platform: 'node', banner: '"use strict";\nvar __gradlabLoadStart = performance.now();' },
  { entry: 'server/server.ts', out: 'dist/server.js', platform: 'node' },
  { entry: 'cli/main.ts', out: 'dist/cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { entry: 'runtime/trainWorker.ts', out: 'dist/trainWorker.js', platform: 'node' },
  { entry: 'runtime/featureReaderWorker.ts', out: 'dist/featureReaderWorker.js', platform: 'node' },
  { entry: 'runtime/jobWorker.ts', out: 'dist/jobWorker.js', platform: 'node' },
  { entry: 'runtime/pycheck/worker.ts', out: 'dist/pycheckWorker.js', platform: 'node' },
  { entry: 'runtime/gemmWorker.ts', out: 'dist/gemmWorker.js', platform: 'node' },
  { entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser' },
  { entry: 'runtime/exploreWorker.ts', out: 'dist/exploreWorker.js', platform: 'node' },
  { entry: 'webview/explore/main.ts', out: 'dist/explore.js', platform: 'browser' },
];

/** Prints errors as file:line:column so VS Code's problem matcher can read them. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

/**
 * h5wasm's Node build (hdf5_util.js) holds the HDF5 wasm inline as a string literal, which every
 * bundle importing it would copy (4 MB each). This writes the module once to dist/hdf5.wasm and
 * bundles hdf5_util.js with that literal replaced by a read of the file beside the bundle.
 */
const h5wasmWritten = new Set();
const h5wasmFromFile = {
  name: 'h5wasm-from-file',
  setup(build) {
    build.onLoad({ filter: /h5wasm[\\/]dist[\\/]node[\\/]hdf5_util\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const head = 'function findWasmBinary(){return binaryDecode(';
      const at = src.indexOf(head);
      if (at < 0 || src.indexOf(head, at + 1) >= 0) throw new Error(`h5wasm-from-file: ${args.path}: expected one inline findWasmBinary()`);
      const start = at + head.length;
      const quote = src[start];
      let end = start + 1;
      while (end < src.length && src[end] !== quote) end += src[end] === '\\' ? 2 : 1;
      const tail = ')}';
      if (src.slice(end + 1, end + 1 + tail.length) !== tail) throw new Error(`h5wasm-from-file: ${args.path}: unexpected findWasmBinary() shape`);
      const bin = runInNewContext(src.slice(start, end + 1));
      // emscripten's binaryDecode, as in hdf5_util.js
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) {
        const c = bin.charCodeAt(i);
        bytes[i] = (~c >> 8) & c;
      }
      if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error('h5wasm-from-file: the inline module is not wasm');
      const out = `${build.initialOptions.outfile.replace(/[\\/][^\\/]*$/, '')}/hdf5.wasm`;
      if (!h5wasmWritten.has(out)) {
        writeFileSync(out, bytes);
        h5wasmWritten.add(out);
      }
      const read =
        'function findWasmBinary(){const f=__h5_join(__dirname,"hdf5.wasm");' +
        'try{return __h5_readFileSync(f)}catch(e){throw new Error("HDF5 library missing: cannot read "+f+" ("+(e&&e.code||e)+")")}}';
      const contents =
        'import { readFileSync as __h5_readFileSync } from "node:fs";\nimport { join as __h5_join } from "node:path";\n' +
        src.slice(0, at) + read + src.slice(end + 1 + tail.length);
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// The engine's kernel modules (scripts/build-wasm.mjs), once, beside the bundles that read them.
for (const kind of ['plain', 'relaxed']) {
  const f = `core/wasm/build/gemm-${kind}.wasm`;
  if (existsSync(f)) copyFileSync(f, `dist/gemm-${kind}.wasm`);
}

// The webviews' stylesheet is plain CSS themed from --vscode-* variables: copied, not bundled.
if (existsSync('webview/style.css')) copyFileSync('webview/style.css', 'dist/webview.css');
if (existsSync('webview/explore/explore.css')) copyFileSync('webview/explore/explore.css', 'dist/explore.css');

const contexts = [];
for (const e of entries) {
  if (!existsSync(e.entry)) continue; // parts still being written are skipped, not failed
  const node = e.platform === 'node';
  contexts.push(
    await esbuild.context({
      entryPoints: [e.entry],
      outfile: e.out,
      bundle: true,
      platform: e.platform,
      format: node ? 'cjs' : 'iife',
      target: node ? 'node20' : 'es2022',
      external: ['vscode'],
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
      loader: { '.wasm': 'binary' },
      banner: e.banner ? { js: e.banner } : undefined,
      ...(node ? { inject: [shim], define: { 'import.meta.url': 'import_meta_url' } } : {}),
      plugins: node ? [problemMatcher, h5wasmFromFile] : [problemMatcher],
    }),
  );
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
