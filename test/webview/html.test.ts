import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, makeNonce, pageShell, webviewHtml } from '../../extension/webviewHtml';

describe('extension/webviewHtml', () => {
  const base = { cspSource: 'https://ext.vscode-cdn.net', scriptUri: 'https://ext.vscode-cdn.net/dist/webview.js', styleUris: ['https://ext.vscode-cdn.net/dist/webview.css'] };

  it('builds a page with a strict CSP, the view named, the script only by nonce', () => {
    const html = webviewHtml({ ...base, view: 'report', nonce: 'AAAAAAAAAAAAAAAAAAAAAA==' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAA=='/);
    assert.match(csp, /style-src https:\/\/ext\.vscode-cdn\.net(;|$)/);
    assert.match(csp, /img-src https:\/\/ext\.vscode-cdn\.net;/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(html, /<body data-view="report">/);
    assert.match(html, /<script nonce="AAAAAAAAAAAAAAAAAAAAAA==" src="https:\/\/ext\.vscode-cdn\.net\/dist\/webview\.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /\son[a-z]+=|style=/i);
  });

  it('allows remote https images and drawn data: pictures only in the captions view', () => {
    assert.match(contentSecurityPolicy('captions', 'vscode-resource:', 'n'), /img-src vscode-resource: https: data:;/);
    for (const v of ['report', 'hidden', 'gradflow', 'training'] as const) assert.doesNotMatch(contentSecurityPolicy(v, 'x:', 'n'), /https:|data:/);
  });

  it('makes a fresh 128-bit nonce each time and escapes what it embeds', () => {
    const a = makeNonce();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.notEqual(a, makeNonce());
    const html = webviewHtml({ ...base, view: 'hidden', title: '<b>"x"</b>', styleUris: ['a"b.css'] });
    assert.match(html, /<title>&lt;b&gt;&quot;x&quot;&lt;\/b&gt;<\/title>/);
    assert.match(html, /href="a&quot;b.css"/);
    assert.throws(() => webviewHtml({ ...base, view: 'report', nonce: "x' 'unsafe-inline" }), /nonce must be/);
  });
  it('inlines the bundle and stylesheet under the nonce, so the page loads nothing through the webview service worker', () => {
    const nonce = 'BBBBBBBBBBBBBBBBBBBBBB==';
    const html = webviewHtml({ view: 'training', cspSource: 'https://ext.vscode-cdn.net', script: 'window.x = "a<b";', styles: ['main { color: red; }'], nonce });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /script-src 'nonce-BBBBBBBBBBBBBBBBBBBBBB=='/);
    assert.match(csp, /style-src https:\/\/ext\.vscode-cdn\.net 'nonce-BBBBBBBBBBBBBBBBBBBBBB=='(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(html, /<script nonce="BBBBBBBBBBBBBBBBBBBBBB==">\nwindow\.x = "a<b";\n<\/script>/);
    assert.match(html, /<style nonce="BBBBBBBBBBBBBBBBBBBBBB==">\nmain \{ color: red; \}\n {2}<\/style>/);
    assert.doesNotMatch(html, /\ssrc=|<link/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<body data-view="training">/);
  });

  it('refuses inlined text that would end its element early, and a page with no script or two', () => {
    const o = { policy: 'report' as const, dataView: 'report', title: 't', loading: 'l', cspSource: 'x:', nonce: 'CCCCCCCCCCCCCCCCCCCCCC==' };
    assert.throws(() => pageShell('t', { ...o, script: 'let s = "</SCRIPT>";' }), /t: the inlined script contains "<\/SCRIPT" at offset 9/);
    assert.throws(() => pageShell('t', { ...o, script: 'a <!-- b' }), /contains "<!--"/);
    assert.throws(() => pageShell('t', { ...o, script: '', styles: ['x{}</style>'] }), /stylesheet 1 contains "<\/style"/);
    assert.throws(() => pageShell('t', o), /either inline \(script\) or by URI \(scriptUri\), not neither/);
    assert.throws(() => pageShell('t', { ...o, script: '', scriptUri: 'x:/a.js' }), /not both/);
  });
});
