/**
 * The sources a webview page inlines (see extension/webviewHtml.ts for why pages carry their bundle
 * instead of loading it through the webview service worker). Read from dist/ when a page is built,
 * kept while the file's size and modification time stay the same (a rebuild is picked up by the
 * next page).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PageAssets } from '../webviewHtml';

const cache = new Map<string, { mtimeMs: number; size: number; text: string }>();

function readText(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new Error(`webview page: cannot read ${file} (${err instanceof Error ? err.message : String(err)}); run the build`);
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.text;
  const text = fs.readFileSync(file, 'utf8');
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, text });
  return text;
}

/** The script and stylesheets of a page, inline, from files of `distDir`. */
export function inlinePageAssets(distDir: string, script: string, styles: readonly string[]): Required<Pick<PageAssets, 'script' | 'styles'>> {
  return {
    // A bundle's trailing `//# sourceMappingURL=x.js.map` would resolve against the page's URL
    // once inlined (no such file there): dropped.
    script: readText(path.join(distDir, script)).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'),
    styles: styles.map((s) => readText(path.join(distDir, s))),
  };
}
