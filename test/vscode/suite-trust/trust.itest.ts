/**
 * The trust/interpreter run (runIntegration.ts --trust; setup in test/vscode/trustRun.ts), in order:
 *
 * 1. Restricted Mode: workspace trust is on and the folder is not trusted. The Check lens reads
 *    "Check (off in Restricted Mode)", running a check starts no Python (every interpreter Gradient
 *    Lab could start is a wrapper that writes a marker file: none may appear) and does not even ask
 *    the Python extension, and the folder's gradientLab.python.interpreter (a restricted setting) is
 *    ignored.
 * 2. The suite asks the driver for trust; the driver presses "Manage Workspace Trust" on Gradient
 *    Lab's notification and "Trust" in the Workspace Trust editor, as a user does. The real Check
 *    lens comes back.
 * 3. The interpreter order: the Python extension's active environment first, then the setting
 *    gradientLab.python.interpreter, then python3 from the PATH.
 *
 * ms-python.python here is a STAND-IN (test/vscode/fixtures/ms-python-standin): the real Python
 * extension cannot be installed offline. It implements only the documented API surface Gradient
 * Lab reads (environments.getActiveEnvironmentPath / resolveEnvironment, settings.getExecutionDetails),
 * so what runs is Gradient Lab's real integration path against that API.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FunctionResult } from '../../../runtime/pycheck/index';
import { PyCmd } from '../../../extension/pycheck/index';
import type { GradientLabApi } from '../../../extension/main';
import { EXT_ID, metric, until } from '../suite/util';
import { GRANT_TRUST_REQUEST, type TrustGrant } from './shared';

/** The repository: this file runs from out/test/vscode/suite-trust. */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PY_EXT_ID = 'ms-python.python';
const RESTRICTED_TITLE = 'Check (off in Restricted Mode)';

/** The test hooks of the stand-in (not part of the real Python extension's API). */
interface StandIn {
  __test: { setMode(m: 'environments' | 'default' | 'legacy'): void; calls: { name: string; resource?: string; path?: string }[] };
}

suite('Restricted Mode and the interpreter order (trust run, Python extension stand-in)', () => {
  const dir = process.env.GRADLAB_TRUST_DIR ?? '';
  const markers = path.join(dir, 'markers');
  const standInPython = path.join(process.env.GRADLAB_STANDIN_PREFIX ?? '', 'bin', 'python');
  const userPython = path.join(dir, 'user-python');
  const workspacePython = path.join(dir, 'workspace-python');
  let api: GradientLabApi;
  let uri: vscode.Uri;
  let defLine: number;
  let logFile: string;

  const started = (): string[] => (fs.existsSync(markers) ? fs.readdirSync(markers).sort() : []);
  const starts = (name: string): number => (fs.existsSync(path.join(markers, name)) ? fs.readFileSync(path.join(markers, name), 'utf8').trim().split('\n').length : 0);
  const lenses = async (): Promise<vscode.CodeLens[]> =>
    ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? []).filter((l) => l.range.start.line === defLine);
  const logLine = (...parts: string[]): Promise<string> =>
    until(`a log line with ${parts.map((p) => JSON.stringify(p)).join(' and ')} in ${logFile}`, () => {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      return text.split('\n').find((l) => parts.every((p) => l.includes(p)));
    }, 60_000);
  const check = async (): Promise<FunctionResult> => {
    const r = await vscode.commands.executeCommand<FunctionResult | undefined>(PyCmd.checkFunction, uri, 'rnn_forward');
    assert.ok(r, 'the check returned a result');
    assert.equal(r.status, 'pass', r.summary);
    return r;
  };
  const standIn = (): StandIn => {
    const ext = vscode.extensions.getExtension<StandIn>(PY_EXT_ID);
    assert.ok(ext?.isActive, `${PY_EXT_ID} (stand-in) is active`);
    return ext.exports;
  };

  suiteSetup(async () => {
    assert.ok(dir && fs.existsSync(dir), 'GRADLAB_TRUST_DIR is set: run this suite with runIntegration.ts --trust');
    const ext = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed`);
    // python3 and python on the PATH are wrappers too. code-server gives the extension host the
    // login shell's environment, which overrides a PATH set on the server, so they go first on this
    // process's PATH (the check worker and its Python processes inherit it when they start).
    process.env.PATH = `${path.join(dir, 'fakebin')}${path.delimiter}${process.env.PATH ?? ''}`;
    api = await ext.activate();
    logFile = path.join(api.ctx.context.logUri.fsPath, 'Gradient Lab.log');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'pylayers'), folder.uri.fsPath, { recursive: true });
    uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'cs231n', 'rnn_layers.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    defLine = doc.getText().split('\n').findIndex((l) => l.startsWith('def rnn_forward'));
    assert.ok(defLine >= 0);
    await vscode.window.showTextDocument(doc);
  });

  test('Restricted Mode: the lens reads "Check (off in Restricted Mode)" and the folder\'s interpreter setting is ignored', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the folder starts untrusted (workspace trust on, no startup prompt)');
    const ext = vscode.extensions.getExtension(PY_EXT_ID);
    assert.ok(ext, `the Python extension stand-in ${PY_EXT_ID} is installed`);
    assert.match(String(ext.packageJSON.displayName), /STAND-IN/);
    const [lens] = await until('the restricted lens above rnn_forward', async () => {
      const ls = await lenses();
      return ls.length > 0 && ls;
    });
    assert.equal(lens.command?.title, RESTRICTED_TITLE);
    assert.equal(lens.command?.command, PyCmd.explainTrust);
    assert.ok(!(await lenses()).some((l) => l.command?.command === PyCmd.checkFunction), 'no lens runs a check');
    // gradientLab.python.interpreter is a restricted setting: the folder's value waits for trust.
    assert.equal(vscode.workspace.getConfiguration('gradientLab.python', uri).get('interpreter'), userPython);
  });

  test('Restricted Mode: running a check starts no Python and does not ask the Python extension', async () => {
    assert.equal(await vscode.commands.executeCommand(PyCmd.checkFunction, uri, 'rnn_forward'), undefined);
    assert.deepEqual(await vscode.commands.executeCommand(PyCmd.checkFile, uri), []);
    // The command as the palette runs it: the function under the cursor.
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(defLine + 1, 0, defLine + 1, 0);
    assert.equal(await vscode.commands.executeCommand(PyCmd.checkFunction), undefined);
    assert.deepEqual(started(), [], 'no interpreter wrapper was started (markers written)');
    assert.equal(vscode.extensions.getExtension(PY_EXT_ID)?.isActive, false, 'the Python extension was not activated to find an interpreter');
    assert.equal(api.python.results(uri).length, 0);
    assert.equal(vscode.languages.getDiagnostics(uri).length, 0);
    // Run the lens's own command last, so its notification is the newest when the driver looks.
    void vscode.commands.executeCommand(PyCmd.explainTrust); // resolves only when the notification closes
    assert.deepEqual(started(), []);
  });

  test('granting trust from the notification brings the real Check lens back, with the folder\'s setting', async () => {
    console.log(GRANT_TRUST_REQUEST);
    await until('workspace trust granted', () => vscode.workspace.isTrusted, 90_000);
    const grant = await until('the driver\'s record', () => fs.existsSync(path.join(dir, 'driver-trust.json')) && (JSON.parse(fs.readFileSync(path.join(dir, 'driver-trust.json'), 'utf8')) as TrustGrant));
    assert.equal(grant.via, 'notification', grant.error);
    assert.match(grant.notification ?? '', /does not run Python code in Restricted Mode: checking a function imports and runs your file\. Trust this workspace to turn checks on\./);
    const lens = await until('the Check lens', async () => (await lenses()).find((l) => l.command?.command === PyCmd.checkFunction));
    assert.notEqual(lens.command?.title, RESTRICTED_TITLE);
    assert.ok(!(await lenses()).some((l) => l.command?.title === RESTRICTED_TITLE));
    assert.equal(vscode.workspace.getConfiguration('gradientLab.python', uri).get('interpreter'), workspacePython);
  });

  test('a check runs in the Python extension\'s interpreter before both settings (stand-in: environment folder resolved to its executable)', async () => {
    const r = await check();
    assert.equal(r.interpreter, standInPython);
    assert.ok(starts('python-extension') > 0, 'the Python extension\'s interpreter wrote its marker');
    const line = await logLine('check rnn_forward (rnn_layers.py', `${standInPython} from the Python extension): pass`);
    metric(`trust: ${line.replace(/^.*\] /, '')}`);
    const calls = standIn().__test.calls;
    assert.ok(calls.some((c) => c.name === 'environments.getActiveEnvironmentPath' && c.resource === uri.toString()), 'asked for the file\'s environment');
    assert.ok(calls.some((c) => c.name === 'environments.resolveEnvironment' && c.path === process.env.GRADLAB_STANDIN_PREFIX), 'resolved the environment folder');
    assert.equal(starts('workspace-setting') + starts('user-setting') + starts('path'), 0, 'no other interpreter was started');
  });

  test('an older Python extension (settings.getExecutionDetails only) is asked too', async () => {
    standIn().__test.setMode('legacy');
    const before = standIn().__test.calls.length;
    const r = await check();
    assert.equal(r.interpreter, standInPython);
    assert.ok(standIn().__test.calls.slice(before).some((c) => c.name === 'settings.getExecutionDetails'));
    assert.equal(starts('workspace-setting') + starts('user-setting') + starts('path'), 0);
  });

  test('no interpreter selected in the Python extension (DEFAULT_PYTHON): the setting comes next, the folder\'s before the user\'s', async () => {
    standIn().__test.setMode('default');
    let r = await check();
    assert.equal(r.interpreter, workspacePython);
    assert.ok(starts('workspace-setting') > 0);
    await logLine('check rnn_forward (rnn_layers.py', `${workspacePython} from gradientLab.python.interpreter): pass`);
    const cfg = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('gradientLab.python', uri);
    await cfg().update('interpreter', undefined, vscode.ConfigurationTarget.Workspace);
    await until('the folder setting removed', () => cfg().get('interpreter') === userPython);
    r = await check();
    assert.equal(r.interpreter, userPython);
    assert.ok(starts('user-setting') > 0);
    assert.equal(starts('path'), 0);
  });

  test('neither the Python extension nor the setting: python3 from the PATH', async () => {
    standIn().__test.setMode('default');
    const cfg = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('gradientLab.python', uri);
    // Empty rather than removed: in a remote window VS Code writes this machine-overridable setting
    // to the remote (machine) settings, which then override the user settings' value.
    await cfg().update('interpreter', '', vscode.ConfigurationTarget.Global);
    await until('the user setting emptied', () => cfg().get('interpreter') === '' && true, 30_000);
    const r = await check();
    assert.equal(r.interpreter, 'python3');
    assert.ok(starts('path') > 0, 'python3 on the PATH (the wrapper first on the PATH) was started');
    await logLine('check rnn_forward (rnn_layers.py', 'python3 from PATH): pass');
  });
});
