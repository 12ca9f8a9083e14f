/**
 * The same integration suite on desktop VS Code through @vscode/test-electron, for machines that
 * can download VS Code (offline it fails while downloading; use runIntegration.ts there).
 *
 *   npm run test:desktop
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-e2e.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('building the integration suite failed');
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out', 'test', 'vscode', 'suite', 'index'),
    launchArgs: [path.join(ROOT, 'test', 'vscode', 'workspace'), '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
