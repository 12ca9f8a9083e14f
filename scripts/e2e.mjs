// `npm run test:e2e`: Gradient Lab in a real VS Code (code-server 4.100.3 + headless Chromium).
// 1. packages dist/gradient-lab.vsix (production bundles), 2. the integration suite on the source
// tree (extensionDevelopmentPath), 3. the integration suite, 4. the trust/interpreter suite (Restricted
// Mode, then trust granted, with a stand-in of the Python extension) and 5. the UI tests on the installed
// .vsix, so what a user installs is what is tested. Prints each runner's closing line, then one total.
import { spawnSync } from 'node:child_process';

const t0 = Date.now();
const steps = [
  ['package', [process.execPath, 'scripts/package.mjs']],
  // The embedded default dataset is generated into the user's cache on first use; once here, so
  // the suites' timings do not include it (they share the cache through HOME / GRADLAB_CACHE_DIR).
  ['default dataset', [process.execPath, '--import', 'tsx', 'scripts/gen-default-dataset.ts']],
  ['integration', [process.execPath, '--import', 'tsx', 'test/vscode/runIntegration.ts']],
  ['integration (vsix)', [process.execPath, '--import', 'tsx', 'test/vscode/runIntegration.ts', '--vsix']],
  // Workspace trust on and the folder untrusted, then granted; a stand-in of the Python extension installed.
  ['trust (vsix)', [process.execPath, '--import', 'tsx', 'test/vscode/runIntegration.ts', '--trust', '--vsix']],
  ['ui (vsix)', [process.execPath, '--import', 'tsx', 'test/vscode/runUi.ts', '--vsix']],
];
let passed = 0;
let failed = 0;
const lines = [];
for (const [name, [cmd, ...args]] of steps) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout);
  const closing = /^(vscode-[\w-]+(?: \(vsix\))?): (\d+) passed, (\d+) failed$/m.exec(r.stdout.trim().split('\n').at(-1) ?? '');
  if (closing) {
    passed += Number(closing[2]);
    failed += Number(closing[3]);
    lines.push(closing[0]);
  } else if (r.status !== 0) {
    failed++;
    lines.push(`${name}: failed (exit ${r.status})`);
  }
  if (r.status !== 0 && name === 'package') break;
}
console.log(lines.join('\n'));
console.log(`[metric] e2e run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`vscode-e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
