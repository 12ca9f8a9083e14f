/**
 * Runs the integration suite (test/vscode/suite) inside a real VS Code: code-server's Node
 * extension host, opened by headless Chromium with the test payload in the URL.
 *
 *   node --import tsx test/vscode/runIntegration.ts [--vsix]
 *
 * Default: the extension loads from the source tree (extensionDevelopmentPath = the project).
 * --vsix: dist/gradient-lab.vsix is installed into the fresh profile and tested as shipped; the
 * development path then points at a stub extension, since VS Code runs tests only with both entries.
 * --trust: the trust/interpreter run (suite test/vscode/suite-trust, setup in trustRun.ts): workspace
 * trust on and the folder untrusted at start, a stand-in of the Python extension installed; the
 * suite asks for trust mid-run and this driver grants it through the workbench UI.
 * The last line is `vscode-integration: N passed, M failed` (`vscode-trust: …` with --trust).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { CodeServer, launchBrowser, ROOT, VSIX } from './harness';
import { GRANT_TRUST_DONE, GRANT_TRUST_REQUEST, grantTrust, prepareTrustRun } from './trustRun';

const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 8 * 60_000);

async function main(): Promise<number> {
  const useVsix = process.argv.includes('--vsix');
  const useTrust = process.argv.includes('--trust');
  const label = `${useTrust ? 'vscode-trust' : 'vscode-integration'}${useVsix ? ' (vsix)' : ''}`;
  const t0 = Date.now();
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-e2e.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the integration suite failed');
  if (useVsix && !fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run npm run package first`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-it-'));
  const resultFile = path.join(tmp, 'result.json');
  const metricsFile = path.join(tmp, 'metrics.txt');
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(ROOT, 'test', 'vscode', 'workspace'), workspace, { recursive: true });
  const trust = useTrust ? prepareTrustRun(tmp, workspace) : undefined;
  let devPath = ROOT;
  if (useVsix) {
    devPath = path.join(tmp, 'stub-extension');
    fs.mkdirSync(devPath);
    fs.writeFileSync(path.join(devPath, 'package.json'), JSON.stringify({ name: 'test-harness', publisher: 'gradient-lab-tests', version: '0.0.0', engines: { vscode: '^1.100.0' } }));
  }
  const env: Record<string, string> = { E2E_RESULT_FILE: resultFile, E2E_METRICS_FILE: metricsFile };
  const fixture = path.join(ROOT, 'test', 'fixtures', 'coco-mini');
  if (fs.existsSync(fixture)) env.GRADLAB_TEST_DATASET = fixture;
  Object.assign(env, trust?.env);

  const server = await CodeServer.start({
    env,
    vsix: useVsix ? VSIX : undefined,
    extraVsix: trust?.extraVsix,
    workspaceTrust: !!trust,
    settings: trust?.settings,
    log: (l) => console.log(l),
  });
  const browser = await launchBrowser();
  let exitCode: number | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const done = new Promise<number>((resolve) => {
      let trustAsked = false;
      void page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
        const text = util.format(...args);
        console.log(text);
        if (trust && !trustAsked && text.includes(GRANT_TRUST_REQUEST)) {
          trustAsked = true;
          grantTrust(page, trust.env.GRADLAB_TRUST_DIR).then(
            (g) => console.log(`${GRANT_TRUST_DONE} (via ${g.via}${g.error ? `; ${g.error}` : ''})`),
            (e: unknown) => console.error(`granting workspace trust failed: ${e instanceof Error ? e.message : String(e)}`),
          );
        }
      });
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    const suite = path.join(ROOT, 'out', 'test', 'vscode', useTrust ? 'suite-trust' : 'suite', 'index');
    await page.goto(server.url(workspace, [
      ['extensionDevelopmentPath', server.remote(devPath)],
      ['extensionTestsPath', server.remote(suite)],
    ]));
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), TIMEOUT_MS).unref());
    exitCode = await Promise.race([done, timeout]);
    if (exitCode === -1) console.error(`${label}: no result after ${TIMEOUT_MS / 1000} s (the suite hung); server log in ${server.dataDir}`);
  } finally {
    await browser.close();
    await server.stop();
  }
  let passes = 0;
  let failures = exitCode === 0 ? 0 : 1;
  if (fs.existsSync(resultFile)) {
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { passes: number; failures: number; pending: number };
    passes = r.passes;
    failures = r.failures + (exitCode !== 0 && r.failures === 0 ? 1 : 0);
    if (r.pending) console.log(`${r.pending} pending`);
  }
  if (fs.existsSync(metricsFile)) for (const l of fs.readFileSync(metricsFile, 'utf8').trim().split('\n')) console.log(`[metric] ${l}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`[metric] ${label} run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${label}: ${passes} passed, ${failures} failed`);
  return exitCode === 0 && failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    console.log('vscode-integration: 0 passed, 1 failed');
    process.exit(1);
  },
);
