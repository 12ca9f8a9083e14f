import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { VIEW_TITLES, type ViewKind } from '../../protocol/webview';

/**
 * The HTML shell of every Gradient Lab webview: a strict CSP with a nonce, one script
 * (dist/webview.js, which picks the view from `data-view`) and one stylesheet, both from the
 * extension's own folder. Data never goes into this HTML: it arrives by message after `ready`.
 */
export function shellHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: ViewKind): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} https: data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${String(style)}">
<title>${VIEW_TITLES[view]}</title>
</head>
<body data-view="${view}">
<div id="app" role="main" aria-busy="true">Loading ${VIEW_TITLES[view]}…</div>
<script nonce="${nonce}" src="${String(script)}"></script>
</body>
</html>`;
}
