/**
 * The HTML shell of every Gradient Lab webview: one page that names its view and carries the webview
 * bundle and its stylesheet, under a strict content security policy.
 *
 * The bundle and stylesheet are normally inlined (nonce'd <script> and <style>), not loaded by URI:
 * a webview's resources (https://*.vscode-resource.vscode-cdn.net/…) exist only through VS Code's
 * webview service worker, and in VS Code for the web (code-server) every webview shares one origin
 * and so one worker registration, which each new webview replaces with its own. When two webviews
 * load at once (a window reload restoring the report panel while the sidebar's Training view loads),
 * a page can end up written under a worker that is already gone: its requests then go to the network,
 * fail (net::ERR_NAME_NOT_RESOLVED offline), and its script never runs (a view stuck on "Loading …").
 * An inlined page requests nothing, so it starts whichever worker controls it.
 * Pure apart from the nonce (from crypto unless given), so tests can build the same page.
 */
import { randomBytes } from 'node:crypto';
import { VIEW_TITLES, type ViewKind } from '../protocol/webview';

/** What a page runs and how it looks: inline sources (what views use) or URIs (the headless test harness). */
export interface PageAssets {
  /** The bundle's source, inlined under the nonce. */
  script?: string;
  /** `webview.asWebviewUri(dist/webview.js)`, as a string, when the bundle is loaded by URI instead. */
  scriptUri?: string;
  /** Stylesheets' sources, inlined under the nonce. */
  styles?: readonly string[];
  /** `webview.asWebviewUri(dist/webview.css)`, plus any others, as strings. */
  styleUris?: readonly string[];
}

export interface WebviewHtmlOptions extends PageAssets {
  view: ViewKind;
  /** `webview.cspSource`: the origin local resources (images, any stylesheet by URI) are served from. */
  cspSource: string;
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

/**
 * The content security policy of a view: nothing by default; our script by nonce; our styles (by
 * nonce when inlined, `inlineStyles`) and images.
 */
export function contentSecurityPolicy(view: ViewKind, cspSource: string, nonce: string, inlineStyles = false): string {
  // The captions gallery shows CS231n images, which the dataset names by remote URL (Flickr); they
  // are the only remote content any view loads, and only as images. The embedded default's pictures
  // are drawn from their scene records in the job worker and come as PNG data: URLs.
  const img = view === 'captions' ? `${cspSource} https: data:` : cspSource;
  return [
    "default-src 'none'",
    `img-src ${img}`,
    inlineStyles ? `style-src ${cspSource} 'nonce-${nonce}'` : `style-src ${cspSource}`,
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
export interface PageShellOptions extends PageAssets {
  /** The view whose content security policy applies. */
  policy: ViewKind;
  /** `data-view` of the body, which the bundle reads to pick its view. */
  dataView: string;
  title: string;
  /** Shown until the script has the view's state. */
  loading: string;
  cspSource: string;
  nonce?: string;
}

/**
 * Text placed inside <script> or <style> must not close the element early, nor open an HTML comment
 * that changes how the parser finds the end (`<!--` followed by `<script`): refused with the reason.
 */
function inlineText(caller: string, what: string, end: 'script' | 'style', text: string): string {
  const bad = new RegExp(`</${end}|<!--`, 'i').exec(text);
  if (bad) throw new Error(`${caller}: the inlined ${what} contains "${bad[0]}" at offset ${bad.index}, which would end the <${end}> element early`);
  return text;
}

/** The one page template of every webview (the views' bundle and the exploration panel's). */
export function pageShell(caller: string, o: PageShellOptions): string {
  const nonce = o.nonce ?? makeNonce();
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error(`${caller}: nonce must be 16+ base64 characters, got ${JSON.stringify(nonce)}`);
  if ((o.script === undefined) === (o.scriptUri === undefined)) throw new Error(`${caller}: give the page's script either inline (script) or by URI (scriptUri), not ${o.script === undefined ? 'neither' : 'both'}`);
  const inlineStyles = o.styles ?? [];
  const csp = contentSecurityPolicy(o.policy, o.cspSource, nonce, inlineStyles.length > 0);
  const n = escapeHtml(nonce);
  const styles = [
    ...(o.styleUris ?? []).map((u) => `  <link rel="stylesheet" href="${escapeHtml(u)}">`),
    ...inlineStyles.map((css, i) => `  <style nonce="${n}">\n${inlineText(caller, `stylesheet ${i + 1}`, 'style', css)}\n  </style>`),
  ].join('\n');
  const script =
    o.script !== undefined
      ? `<script nonce="${n}">\n${inlineText(caller, 'script', 'script', o.script)}\n</script>`
      : `<script nonce="${n}" src="${escapeHtml(o.scriptUri as string)}"></script>`;
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
  ${script}
</body>
</html>
`;
}
