/**
 * Colours for canvas drawing, read from VS Code's theme variables (the DOM is styled by
 * style.css from the same variables). VS Code swaps the body class (vscode-light, vscode-dark,
 * vscode-high-contrast, vscode-high-contrast-light) and the variables together on a theme
 * change, so a MutationObserver on both re-reads and redraws.
 */
import type { Verdict } from '../protocol/webview';

export interface Theme {
  kind: 'light' | 'dark' | 'hc' | 'hc-light';
  fg: string;
  bg: string;
  muted: string;
  grid: string;
  border: string;
  focus: string;
  font: string;
  red: string;
  blue: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
}

export type ColorKey = 'fg' | 'muted' | 'red' | 'blue' | 'green' | 'yellow' | 'orange' | 'purple' | 'focus';

function kindOf(body: HTMLElement): Theme['kind'] {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'hc-light';
  if (c.contains('vscode-high-contrast')) return 'hc';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const FALLBACK: Record<'light' | 'dark', Omit<Theme, 'kind' | 'font'>> = {
  light: { fg: '#3b3b3b', bg: '#ffffff', muted: '#717171', grid: '#e5e5e5', border: '#c8c8c8', focus: '#0090f1', red: '#e51400', blue: '#1a85ff', green: '#388a34', yellow: '#bf8803', orange: '#d18616', purple: '#652d90' },
  dark: { fg: '#cccccc', bg: '#1e1e1e', muted: '#9d9d9d', grid: '#333333', border: '#454545', focus: '#007fd4', red: '#f14c4c', blue: '#3794ff', green: '#89d185', yellow: '#cca700', orange: '#d18616', purple: '#b180d7' },
};

export function readTheme(): Theme {
  const kind = kindOf(document.body);
  const css = getComputedStyle(document.documentElement);
  const fb = FALLBACK[kind === 'light' || kind === 'hc-light' ? 'light' : 'dark'];
  const v = (names: string[], fallback: string): string => {
    for (const n of names) {
      const x = css.getPropertyValue(n).trim();
      if (x) return x;
    }
    return fallback;
  };
  const fg = v(['--vscode-editor-foreground', '--vscode-foreground'], fb.fg);
  const blue = v(['--vscode-charts-blue'], fb.blue);
  // Light high contrast gives charts.orange the same dark blue as charts.blue: the series drawn in
  // orange next to blue ones would look alike, so orange then comes from the warning colour.
  let orange = v(['--vscode-charts-orange'], fb.orange);
  if (orange.toLowerCase() === blue.toLowerCase()) orange = [v(['--vscode-editorWarning-foreground'], fb.orange), fb.orange].find((c) => c.toLowerCase() !== blue.toLowerCase()) ?? fb.orange;
  return {
    kind,
    fg,
    bg: v(['--vscode-editor-background', '--vscode-sideBar-background'], fb.bg),
    muted: v(['--vscode-descriptionForeground'], fb.muted),
    grid: v(['--vscode-editorIndentGuide-background1', '--vscode-editorIndentGuide-background', '--vscode-panel-border'], fb.grid),
    border: v(['--vscode-contrastBorder', '--vscode-panel-border', '--vscode-widget-border'], fb.border),
    focus: v(['--vscode-focusBorder'], fb.focus),
    font: `${v(['--vscode-font-size'], '12px')} ${v(['--vscode-font-family'], 'system-ui, sans-serif')}`,
    red: v(['--vscode-charts-red'], fb.red),
    blue,
    green: v(['--vscode-charts-green'], fb.green),
    yellow: v(['--vscode-charts-yellow'], fb.yellow),
    orange,
    purple: v(['--vscode-charts-purple'], fb.purple),
  };
}

let current: Theme | undefined;
const listeners = new Set<(t: Theme) => void>();

export function theme(): Theme {
  return (current ??= readTheme());
}

/** Calls `f` with the new theme after every theme change; returns the unsubscribe. */
export function onThemeChange(f: (t: Theme) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** Starts watching body class and html style (where VS Code puts the variables). Call once. */
export function watchTheme(): void {
  let pending = false;
  const fire = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const next = readTheme();
      if (current && JSON.stringify(next) === JSON.stringify(current)) return;
      current = next;
      for (const f of listeners) f(next);
    });
  };
  const mo = new MutationObserver(fire);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

/** CS231n verdict colours: the same in the table, the bars and the legend. */
export function verdictColor(t: Theme, v: Verdict): string {
  switch (v) {
    case 'good':
      return t.green;
    case 'ok':
      return t.blue;
    case 'warn':
      return t.orange;
    case 'wrong':
      return t.red;
    default: {
      const never: never = v;
      return never;
    }
  }
}

export function color(t: Theme, k: ColorKey): string {
  return t[k];
}
