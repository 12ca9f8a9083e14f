/**
 * Setup of the trust/interpreter integration run (`runIntegration.ts --trust`, suite
 * test/vscode/suite-trust): workspace trust is ON and the folder is NOT trusted at start, a stand-in
 * of the Python extension is installed, and every interpreter Gradient Lab could start is a wrapper
 * script that records its start in a marker file before it execs the real python3:
 *
 *   <dir>/standin-env/bin/python   the Python extension's active environment (stand-in, see
 *                                  test/vscode/fixtures/ms-python-standin: NOT the real extension,
 *                                  which cannot be installed offline)
 *   <dir>/user-python              gradientLab.python.interpreter in the user settings
 *   <dir>/workspace-python         gradientLab.python.interpreter in the folder's .vscode/settings.json
 *                                  (a restricted setting: ignored until the folder is trusted)
 *   <dir>/fakebin/python3, python  put first on the extension host's PATH by the suite (code-server
 *                                  gives the extension host the login shell's PATH, not the server's)
 *
 * Markers: <dir>/markers/<name>, one line per start. The suite asks for trust mid-run by logging
 * GRANT_TRUST_REQUEST; the driver then grants it through the workbench UI (grantTrust).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, runCommand } from './harness';
import type { TrustGrant } from './suite-trust/shared';

export { GRANT_TRUST_DONE, GRANT_TRUST_REQUEST } from './suite-trust/shared';

export interface TrustRun {
  env: Record<string, string>;
  settings: Record<string, unknown>;
  extraVsix: string[];
}

/** The real python3 (an absolute path, so the fake python3 on the PATH does not call itself). */
function realPython(): string {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = r.stdout?.trim();
  if (r.status !== 0 || !exe) throw new Error('python3 is needed for the trust integration run (it checks Python layer functions)');
  return exe;
}

function wrapper(file: string, marker: string, python: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(file, `#!/bin/sh\n# Gradient Lab test wrapper: records this start, then runs the real Python.\necho "$$ $*" >> ${q(marker)}\nexec ${q(python)} "$@"\n`, { mode: 0o755 });
}

/** Writes the wrappers, packages the stand-in extension and writes the folder's settings. */
export function prepareTrustRun(tmp: string, workspace: string): TrustRun {
  const dir = path.join(tmp, 'trust');
  const markers = path.join(dir, 'markers');
  fs.mkdirSync(markers, { recursive: true });
  const py = realPython();
  const prefix = path.join(dir, 'standin-env');
  wrapper(path.join(prefix, 'bin', 'python'), path.join(markers, 'python-extension'), py);
  wrapper(path.join(dir, 'user-python'), path.join(markers, 'user-setting'), py);
  wrapper(path.join(dir, 'workspace-python'), path.join(markers, 'workspace-setting'), py);
  wrapper(path.join(dir, 'fakebin', 'python3'), path.join(markers, 'path'), py);
  wrapper(path.join(dir, 'fakebin', 'python'), path.join(markers, 'path'), py);

  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'gradientLab.python.interpreter': path.join(dir, 'workspace-python') }, null, 2));

  const vsix = path.join(tmp, 'ms-python-standin.vsix');
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix],
    { cwd: path.join(ROOT, 'test', 'vscode', 'fixtures', 'ms-python-standin'), encoding: 'utf8' },
  );
  if (r.status !== 0 || !fs.existsSync(vsix)) throw new Error(`packaging the Python extension stand-in failed: ${r.stdout}${r.stderr}`);

  return {
    env: {
      GRADLAB_TRUST_DIR: dir,
      GRADLAB_STANDIN_PREFIX: prefix,
    },
    settings: {
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'never',
      'gradientLab.python.interpreter': path.join(dir, 'user-python'),
    },
    extraVsix: [vsix],
  };
}

/**
 * Grants workspace trust the way a user does after a refused check: the button "Manage Workspace
 * Trust" of Gradient Lab's Restricted Mode notification (from its toast, or from the notification
 * centre when the toast has hidden), then "Trust" in the Workspace Trust editor. Without the
 * notification it opens the editor from the palette, so the rest of the suite can run, and records
 * that (the suite asserts on the record).
 */
export async function grantTrust(page: Page, dir: string): Promise<TrustGrant> {
  const grant: TrustGrant = { via: 'palette' };
  const reason = 'does not run Python code in Restricted Mode';
  const press = async (where: string, timeout: number): Promise<void> => {
    const item = page.locator(`${where} .notification-list-item`, { hasText: reason }).first();
    await item.waitFor({ state: 'visible', timeout });
    grant.notification = (await item.locator('.notification-list-item-message').textContent()) ?? '';
    await item.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).first().click({ timeout: 10_000 });
    grant.via = 'notification';
  };
  try {
    // The toast, unless it has hidden already (toasts hide after a while); then the notification centre.
    await press('.notifications-toasts', 5000).catch(async () => {
      await runCommand(page, 'Notifications: Show Notifications');
      await press('.notifications-center', 20_000);
    });
  } catch (e) {
    grant.error = `no Restricted Mode notification with a Manage Workspace Trust button: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    await runCommand(page, 'Manage Workspace Trust');
  }
  // "Trust" (aria label "Trust, Keyboard Shortcut: Control+Enter"), not "Trust Parent".
  const button = page.locator('.workspace-trust-buttons-row .monaco-description-button[aria-label^="Trust,"] .monaco-button').first();
  await button.waitFor({ timeout: 30_000 });
  await button.click();
  fs.writeFileSync(path.join(dir, 'driver-trust.json'), JSON.stringify(grant, null, 2));
  return grant;
}
