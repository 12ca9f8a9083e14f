/**
 * Mocha entry of the integration suite, in the format @vscode/test-electron loads
 * (`extensionTestsPath` → a module whose `run()` settles when the suite ends). Bundled to
 * out/test/vscode/suite/index.js; the tests next to it are `*.test.js`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // E2E_GREP: run only the tests whose titles match (e.g. E2E_GREP=notebook while working on one suite).
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, ...(process.env.E2E_GREP ? { grep: process.env.E2E_GREP } : {}) });
  // E2E_FILES=pycheck: only the test files whose name contains it (for working on one suite).
  const only = process.env.E2E_FILES;
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js') && (!only || f.includes(only))) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const s = runner.stats;
      if (process.env.E2E_RESULT_FILE && s) {
        fs.writeFileSync(process.env.E2E_RESULT_FILE, JSON.stringify({ passes: s.passes, failures: s.failures, pending: s.pending, durationMs: s.duration }));
      }
      if (failures) reject(new Error(`${failures} tests failed.`));
      else resolve();
    });
  });
}
