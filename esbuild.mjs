// Bundles every entry point of Gradient Lab. `node esbuild.mjs [--production] [--watch]`.
// Node bundles are CommonJS (VS Code loads extensions that way); h5wasm is ESM and reads
// import.meta.url, so Node bundles get a shim that defines it from __filename.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

mkdirSync('dist', { recursive: true });
const shim = 'dist/.import-meta-url-shim.js';
writeFileSync(shim, 'export const import_meta_url = require("url").pathToFileURL(__filename).href;\n');

/** @type {{ entry: string, out: string, platform: 'node' | 'browser', banner?: string }[]} */
const entries = [
  { entry: 'extension/main.ts', out: 'dist/extension.js', platform: 'node' },
  { entry: 'server/server.ts', out: 'dist/server.js', platform: 'node' },
  { entry: 'cli/main.ts', out: 'dist/cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { entry: 'core/node/trainWorker.ts', out: 'dist/trainWorker.js', platform: 'node' },
  { entry: 'core/node/featureReaderWorker.ts', out: 'dist/featureReaderWorker.js', platform: 'node' },
  { entry: 'core/node/jobWorker.ts', out: 'dist/jobWorker.js', platform: 'node' },
  { entry: 'core/node/pycheck/worker.ts', out: 'dist/pycheckWorker.js', platform: 'node' },
  { entry: 'core/wasm/gemmWorker.ts', out: 'dist/gemmWorker.js', platform: 'node' },
  { entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser' },
  { entry: 'extension/exploreWorker.ts', out: 'dist/exploreWorker.js', platform: 'node' },
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
      plugins: [problemMatcher],
    }),
  );
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
