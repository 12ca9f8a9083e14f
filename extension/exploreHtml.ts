/**
 * The HTML shell of the exploration panel: the same strict policy as every Gradient Lab view
 * (nothing by default, our script by nonce, our styles), loading dist/explore.js. No vscode import,
 * so tests build the same page.
 */
import { type PageAssets, pageShell } from './webviewHtml';

/** The script and styles inline (the panel) or by URI (tests), as in webviewHtml.ts. */
export interface ExploreHtmlOptions extends PageAssets {
  cspSource: string;
  nonce?: string;
  title?: string;
}

export function exploreHtml(o: ExploreHtmlOptions): string {
  const title = o.title ?? 'Gradient Lab: Explore';
  // 'report' has the policy every non-gallery view has: no remote content at all.
  return pageShell('exploreHtml', { ...o, policy: 'report', dataView: 'explore', title, loading: title });
}
