/**
 * Renders a Gradient Lab webview in headless Chromium the way VS Code does: the real HTML shell
 * (extension/webviewHtml.ts, strict CSP with a nonce) served from a fake webview origin, the real
 * bundle, theme variables and body class, and an acquireVsCodeApi stand-in that records posts.
 * Nothing is fetched from the network: other hosts are answered "offline".
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { webviewHtml } from '../../extension/webviewHtml';
import type { ToWebview, ViewKind } from '../../protocol/webview';
import { THEME_CLASS, themeCss, THEMES, type ThemeName } from './fixtures/themes';

// Browser globals, used only inside page.evaluate callbacks (serialised and run in the page);
// the node tsconfig has no DOM lib.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare function requestAnimationFrame(f: (t: number) => void): number;
/* eslint-enable @typescript-eslint/no-explicit-any */

export const ORIGIN = 'https://webview.test';
const ROOT = join(__dirname, '..', '..');

let bundleDir: string | undefined;

/** Builds webview/main.ts once per process into a temp dir (never touches dist/). */
export async function buildBundle(): Promise<string> {
  if (bundleDir) return bundleDir;
  const dir = mkdtempSync(join(tmpdir(), 'gradlab-webview-'));
  await esbuild.build({
    entryPoints: [join(ROOT, 'webview', 'main.ts')],
    outfile: join(dir, 'webview.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'error',
  });
  bundleDir = dir;
  return dir;
}

export function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[]) {
    if (existsSync(p)) return p;
  }
  throw new Error('no Chromium found: install Debian\'s chromium (apt-get install -y chromium) or set CHROMIUM_PATH');
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] });
}

/** Serves one extra file under ORIGIN (fixture images). */
export type Extra = Record<string, { body: string | Buffer; contentType: string }>;

export interface OpenOptions {
  theme?: ThemeName;
  width?: number;
  height?: number;
  extra?: Extra;
  /** UI state VS Code would hand back through getState(). */
  state?: unknown;
}

export interface ViewPage {
  page: Page;
  /** Page errors and console errors so far. */
  errors: string[];
  send(m: ToWebview | Record<string, unknown>): Promise<void>;
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  alerts(): Promise<string[]>;
  cspViolations(): Promise<string[]>;
  setTheme(t: ThemeName): Promise<void>;
  close(): Promise<void>;
}

export async function openView(browser: Browser, view: ViewKind, o: OpenOptions = {}): Promise<ViewPage> {
  const dir = await buildBundle();
  const theme = o.theme ?? 'dark';
  const context = await browser.newContext({ viewport: { width: o.width ?? 1100, height: o.height ?? 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const html = webviewHtml({
    view,
    cspSource: ORIGIN,
    scriptUri: `${ORIGIN}/webview.js`,
    styleUris: [`${ORIGIN}/theme.css`, `${ORIGIN}/webview.css`],
  }).replace('<body ', `<body class="${THEME_CLASS[theme]}" `);
  const files: Extra = {
    '/index.html': { body: html, contentType: 'text/html' },
    '/webview.js': { body: readFileSync(join(dir, 'webview.js')), contentType: 'text/javascript' },
    '/webview.css': { body: readFileSync(join(ROOT, 'webview', 'style.css')), contentType: 'text/css' },
    '/theme.css': { body: themeCss(theme), contentType: 'text/css' },
    ...o.extra,
  };
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const f = url.origin === ORIGIN ? files[url.pathname] : undefined;
    if (f) await route.fulfill({ status: 200, body: f.body, contentType: f.contentType });
    else if (url.origin === ORIGIN) await route.fulfill({ status: 404, body: 'not found' });
    else await route.abort('internetdisconnected');
  });
  // A string, not a function: tsx's transpiler would wrap named functions in a helper the page lacks.
  await page.addInitScript(`(() => {
    const posted = [], alerts = [], csp = [];
    let saved = ${JSON.stringify(o.state ?? null)};
    window.__posted = posted;
    window.__alerts = alerts;
    window.__csp = csp;
    window.alert = (m) => { alerts.push(String(m)); };
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => { posted.push(JSON.parse(JSON.stringify(m))); },
      getState: () => saved,
      setState: (s) => { saved = s; },
    });
    document.addEventListener('securitypolicyviolation', (e) => { csp.push(e.violatedDirective + ' ' + e.blockedURI); });
  })();`);
  page.on('dialog', (d) => void d.dismiss());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => ((window as unknown as { __posted: { type: string }[] }).__posted ?? []).some((m) => m.type === 'ready'), undefined, { timeout: 10000 }).catch((e: Error) => {
    throw new Error(`${view} view never said ready: ${errors.join(' | ') || e.message}`);
  });
  return {
    page,
    errors,
    // VS Code delivers host messages as JSON-cloned MessageEvents on the window.
    send: (m) => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m)).then(() => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))).then(() => undefined),
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    alerts: () => page.evaluate(() => (window as unknown as { __alerts: string[] }).__alerts),
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    setTheme: async (t) => {
      await page.evaluate(
        ([vars, cls]) => {
          for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
          document.body.className = cls;
        },
        [THEMES[t], THEME_CLASS[t]] as const,
      );
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    },
    close: () => context.close(),
  };
}

export function screenshotDir(): string {
  return process.env.GRADLAB_SCREENSHOTS ?? join(ROOT, 'test-results', 'webview');
}
