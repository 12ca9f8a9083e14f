// `npm run package`: a production build of every bundle, then dist/gradient-lab.vsix with
// @vscode/vsce. Runtime dependencies are bundled by esbuild, so the package needs no node_modules.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const out = 'dist/gradient-lab.vsix';
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const t0 = Date.now();
run(process.execPath, ['esbuild.mjs', '--production']);
run(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--out', out]);
console.log(`${out}: ${(statSync(out).size / 1024).toFixed(0)} KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
