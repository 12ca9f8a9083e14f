/**
 * The HTML shell of the exploration panel: the same strict policy as every Gradient Lab view
 * (nothing by default, our script by nonce, our styles), loading dist/explore.js. No vscode import,
 * so tests build the same page.
 */
import { contentSecurityPolicy, escapeHtml, makeNonce } from './webviewHtml';

export interface ExploreHtmlOptions {
  cspSource: string;
  scriptUri: string;
  styleUris: readonly string[];
  nonce?: string;
  title?: string;
}

export function exploreHtml(o: ExploreHtmlOptions): string {
  const nonce = o.nonce ?? makeNonce();
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error(`exploreHtml: nonce must be 16+ base64 characters, got ${JSON.stringify(nonce)}`);
  // 'report' has the policy every non-gallery view has: no remote content at all.
  const csp = contentSecurityPolicy('report', o.cspSource, nonce);
  const styles = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  const title = escapeHtml(o.title ?? 'Gradient Lab: Explore');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
  <title>${title}</title>
</head>
<body data-view="explore">
  <main id="app" aria-busy="true"><p class="empty">Loading ${title}…</p></main>
  <script nonce="${escapeHtml(nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
