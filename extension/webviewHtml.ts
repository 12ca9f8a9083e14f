/**
 * The HTML shell of every Gradient Lab webview: one page that names its view, loads the webview
 * bundle with a nonce and its stylesheet, under a strict content security policy.
 * Pure apart from the nonce (from crypto unless given), so tests can build the same page.
 */
import { randomBytes } from 'node:crypto';
import { VIEW_TITLES, type ViewKind } from '../protocol/webview';

export interface WebviewHtmlOptions {
  view: ViewKind;
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  /** `webview.asWebviewUri(dist/webview.js)`, as a string. */
  scriptUri: string;
  /** `webview.asWebviewUri(dist/webview.css)`, plus any others, as strings. */
  styleUris: readonly string[];
  /** Tests pass a fixed one; otherwise 128 random bits. */
  nonce?: string;
  /** Page title; defaults to the view's title. */
  title?: string;
}

/** 128 bits from the OS's CSPRNG, base64 (a nonce must not be guessable: Math.random is not enough). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text for element content or a double-quoted attribute value (the only kind this page uses). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** The content security policy of a view: nothing by default; our script by nonce; our styles and images. */
export function contentSecurityPolicy(view: ViewKind, cspSource: string, nonce: string): string {
  // The captions gallery shows CS231n images, which the dataset names by remote URL (Flickr); they
  // are the only remote content any view loads, and only as images.
  const img = view === 'captions' ? `${cspSource} https:` : cspSource;
  return [
    "default-src 'none'",
    `img-src ${img}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  return pageShell('webviewHtml', { ...o, policy: o.view, dataView: o.view, title: o.title ?? VIEW_TITLES[o.view], loading: VIEW_TITLES[o.view] });
}

/** What differs between Gradient Lab pages: which view the body names, which policy applies, the texts. */
export interface PageShellOptions {
  /** The view whose content security policy applies. */
  policy: ViewKind;
  /** `data-view` of the body, which the bundle reads to pick its view. */
  dataView: string;
  title: string;
  /** Shown until the script has the view's state. */
  loading: string;
  cspSource: string;
  scriptUri: string;
  styleUris: readonly string[];
  nonce?: string;
}

/** The one page template of every webview (the views' bundle and the exploration panel's). */
export function pageShell(caller: string, o: PageShellOptions): string {
  const nonce = o.nonce ?? makeNonce();
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error(`${caller}: nonce must be 16+ base64 characters, got ${JSON.stringify(nonce)}`);
  const csp = contentSecurityPolicy(o.policy, o.cspSource, nonce);
  const styles = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
  <title>${escapeHtml(o.title)}</title>
</head>
<body data-view="${escapeHtml(o.dataView)}">
  <main id="app" aria-busy="true"><p class="empty">Loading ${escapeHtml(o.loading)}…</p></main>
  <script nonce="${escapeHtml(nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
