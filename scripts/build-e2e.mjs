// Bundles the VS Code integration suite (test/vscode/suite) to out/test/vscode/suite:
// index.js (the mocha run() that @vscode/test-electron and code-server load) and one *.test.js per
// *.itest.ts. `vscode` and `mocha` stay external: the host provides the first, node_modules the second.
// The trust/interpreter suite (test/vscode/suite-trust, run by runIntegration.ts --trust) is bundled
// the same way to out/test/vscode/suite-trust, with the same index.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

for (const [src, out] of [
  ['test/vscode/suite', 'out/test/vscode/suite'],
  ['test/vscode/suite-trust', 'out/test/vscode/suite-trust'],
]) {
  rmSync(out, { recursive: true, force: true });
  const entryPoints = [{ in: join('test/vscode/suite', 'index.ts'), out: 'index' }];
  for (const f of readdirSync(src)) {
    if (f.endsWith('.itest.ts')) entryPoints.push({ in: join(src, f), out: f.replace(/\.itest\.ts$/, '.test') });
  }
  // Suites that open a dataset load h5wasm, which reads import.meta.url: the same shim as esbuild.mjs.
  mkdirSync(out, { recursive: true });
  const shim = join(out, '.import-meta-url-shim.js');
  writeFileSync(shim, 'export const import_meta_url = require("url").pathToFileURL(__filename).href;\n');
  await esbuild.build({
    entryPoints,
    inject: [shim],
    define: { 'import.meta.url': 'import_meta_url' },
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}
