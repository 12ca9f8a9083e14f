/** Helpers shared by the integration suites (bundled into each *.itest.ts; not a test file itself). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXT_ID = 'gradient-lab.gradient-lab';

/** Polls `f` until it returns something truthy (VS Code updates tabs, trees and hovers asynchronously). */
export async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, timeout = 30_000, every = 100): Promise<T> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
}

/** Appends a measurement to the driver's metrics file (printed after the run). */
export function metric(line: string): void {
  if (process.env.E2E_METRICS_FILE) fs.appendFileSync(process.env.E2E_METRICS_FILE, `${line}\n`);
}

/**
 * test/fixtures/python: beside the extension when it runs from the repository; else (an installed
 * .vsix) in the repository this suite was built from (out/test/vscode/suite → the root).
 */
export function pythonFixtures(extensionPath: string, file = 'rnn_layers.py'): string {
  const dir = [extensionPath, path.resolve(__dirname, '..', '..', '..', '..')]
    .map((root) => path.join(root, 'test', 'fixtures', 'python'))
    .find((d) => fs.existsSync(path.join(d, file)));
  if (!dir) throw new Error('test/fixtures/python not found');
  return dir;
}
