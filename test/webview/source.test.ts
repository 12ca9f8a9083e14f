/** Rules the webview source keeps by construction, checked on the source itself. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const WEBVIEW = join(__dirname, '..', '..', 'webview');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('webview source', () => {
  const sources = files(WEBVIEW).map((p) => ({ p, text: readFileSync(p, 'utf8') }));

  it('never turns strings into markup', () => {
    assert.ok(sources.length >= 10);
    for (const { p, text } of sources) {
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may mention the words
      assert.doesNotMatch(code, /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|\beval\(|new Function\(/, p);
    }
  });

  it('imports only protocol and its own modules (no vscode, no node, no core values)', () => {
    for (const { p, text } of sources) {
      for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const spec = m[2];
        const typeOnly = Boolean(m[1]);
        assert.ok(spec.startsWith('./') || spec.startsWith('../') , `${p}: imports ${spec}`);
        assert.doesNotMatch(spec, /(^|\/)(extension|server|cli)\//, `${p}: imports ${spec}`);
        if (/\/core\//.test(spec)) assert.ok(typeOnly, `${p}: imports values from core (${spec})`);
      }
    }
  });
});
