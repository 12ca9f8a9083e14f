/**
 * Runs a real VS Code (code-server 4.100.3, VS Code 1.100.3) with Gradient Lab in a real Node
 * extension host, driven by headless Chromium through playwright-core. See the shared
 * vscode-e2e README: test flags travel in the page URL's `payload`, the server runs in its own
 * process group and is stopped as a group, every run uses fresh data directories.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_DIR = path.join(ROOT, '.vscode-test', 'code-server');
export const ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const VSIX = path.join(ROOT, 'dist', 'gradient-lab.vsix');
export const RESULTS_DIR = path.join(ROOT, 'test-results');

/** Installs code-server when it is missing (idempotent; a marker makes a rerun return at once). */
export function ensureCodeServer(): string {
  if (fs.existsSync(ENTRY)) return ENTRY;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-code-server.sh'), CODE_SERVER_DIR], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(ENTRY)) throw new Error(`installing code-server failed (exit ${r.status}); run scripts/install-code-server.sh`);
  return ENTRY;
}

export function chromiumPath(): string {
  for (const c of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (c && fs.existsSync(c)) return c;
  }
  throw new Error('no chromium found: install Debian\u2019s chromium (apt-get install chromium) or set CHROMIUM_PATH');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'window.commandCenter': false,
};

export interface ServerOptions {
  /** Extra environment for the server (and so the extension host). */
  env?: Record<string, string>;
  /** Install this .vsix into the fresh profile before starting. */
  vsix?: string;
  /** More .vsix files to install (e.g. the test stand-in of the Python extension). */
  extraVsix?: string[];
  /** Keep workspace trust on (no --disable-workspace-trust); the settings then decide the rest. */
  workspaceTrust?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Keep the data directory after stop (for `npm run try`). */
  dataDir?: string;
  port?: number;
  log?: (line: string) => void;
}

export class CodeServer {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    private readonly ownsDir: boolean,
  ) {}

  get authority(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(opts: ServerOptions = {}): Promise<CodeServer> {
    const entry = ensureCodeServer();
    const own = !opts.dataDir;
    const dir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-e2e-'));
    const userData = path.join(dir, 'user-data');
    const extensions = path.join(dir, 'extensions');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    fs.mkdirSync(path.join(dir, 'xdg-config'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'xdg-data'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...SETTINGS, ...(opts.settings ?? {}) }, null, 2));
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
      XDG_DATA_HOME: path.join(dir, 'xdg-data'),
      EXTENSIONS_GALLERY: '{"serviceUrl":""}',
      ...(opts.env ?? {}),
    };
    const dirs = ['--user-data-dir', userData, '--extensions-dir', extensions];
    for (const vsix of [opts.vsix, ...(opts.extraVsix ?? [])]) {
      if (!vsix) continue;
      const r = spawnSync(process.execPath, [entry, ...dirs, '--install-extension', vsix], { env, encoding: 'utf8' });
      if (r.status !== 0 || !/successfully installed/.test(r.stdout)) throw new Error(`installing ${vsix} failed: ${r.stdout}${r.stderr}`);
      opts.log?.(r.stdout.trim());
    }
    const port = opts.port ?? (await freePort());
    const args = [
      entry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      ...dirs,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
    ];
    const proc = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    const server = new CodeServer(proc, port, dir, own);
    const logFile = fs.createWriteStream(path.join(dir, 'code-server.log'));
    proc.stdout?.pipe(logFile);
    proc.stderr?.pipe(logFile);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}; see ${path.join(dir, 'code-server.log')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.ok) return server;
      } catch {
        /* not listening yet */
      }
      await sleep(200);
    }
    await server.stop();
    throw new Error('code-server did not answer /healthz within 60 s');
  }

  /** The workbench URL for a folder, with test payload entries when given. */
  url(folder: string, payload?: [string, string][]): string {
    let u = `http://${this.authority}/?folder=${encodeURIComponent(folder)}`;
    if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return u;
  }

  remote(p: string): string {
    return `vscode-remote://${this.authority}${p}`;
  }

  /** Stops the whole process group (the extension host is a child of the server). */
  async stop(): Promise<void> {
    const pid = this.proc.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && groupAlive(pid)) await sleep(100);
      if (groupAlive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (this.ownsDir && !process.env.E2E_KEEP) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Waits for the workbench and for the explorer to list a known file of the folder. */
export async function waitForWorkbench(page: Page, knownFile?: string, timeout = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout });
  if (knownFile) await page.locator('.explorer-folders-view .monaco-list-row', { hasText: knownFile }).first().waitFor({ timeout });
}

/** Runs a command from the palette; reopens it when the extension's commands were not registered yet. */
export async function runCommand(page: Page, title: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  const input = page.locator('.quick-input-widget input');
  while (true) {
    if (Date.now() > deadline) throw new Error(`command "${title}" not found in the palette`);
    // A webview that has keyboard focus keeps F1 from the workbench: give the focus back first.
    await page.locator('.part.titlebar').first().click({ timeout: 5000 }).catch(() => undefined);
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 3000 });
      await input.fill(`>${title}`, { timeout: 3000 });
    } catch {
      continue; // the palette closed again (focus moved while the workbench was still settling)
    }
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 2000 });
      await row.click({ timeout: 3000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
}

/** Picks an item of an open quick pick by its text (clicking the row: Enter would go wherever the focus is). */
export async function pickQuick(page: Page, text: string, timeout = 30_000): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout });
  await row.click();
}
