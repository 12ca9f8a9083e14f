/**
 * Entry of the exploration panel's bundle (dist/explore.js): validates every message from the
 * host, shows the exploration it carries, and asks for its state with `ready`.
 */
import { clear, el, emptyNotice } from '../dom';
import { watchTheme } from '../theme';
import { parseToExplore, type ExplorePayload, type ToExplore } from '../../protocol/webview';
import { bugsView } from './bugs';
import { flowView } from './flow';
import { makeExploreHost, type ExploreHost } from './host';
import { sweepView } from './sweep';
import { precisionView, sanityView, sparseView } from './tables';

function render(root: HTMLElement, p: ExplorePayload, host: ExploreHost, busy: HTMLElement): void {
  clear(root);
  root.setAttribute('aria-busy', 'false');
  const r = p.result;
  let body: HTMLElement;
  switch (r.kind) {
    case 'sweep':
      body = sweepView(p, r.sweep, host);
      break;
    case 'precision':
      body = precisionView(r);
      break;
    case 'bugs':
      body = bugsView(p, r, host);
      break;
    case 'sanity':
      body = sanityView(r);
      break;
    case 'flow':
      body = flowView(r, host);
      break;
    case 'sparse':
      body = sparseView(r);
      break;
    default: {
      const never: never = r;
      throw new Error(`unknown exploration ${JSON.stringify(never)}`);
    }
  }
  root.append(el('header', { class: 'toolbar' }, el('h1', {}, p.title), el('span', { class: 'meta' }, `${(p.ms / 1000).toFixed(1)} s`)), busy, body);
}

function main(): void {
  const root = document.getElementById('app');
  if (!root) return;
  watchTheme();
  const host = makeExploreHost();
  const banner = el('p', { class: 'protocol-error', attrs: { role: 'alert', hidden: true } });
  root.before(banner);
  const busy = el('p', { class: 'busy meta', attrs: { role: 'status', hidden: true } });
  const report = (what: string, e: unknown): void => {
    const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    banner.textContent = message;
    banner.hidden = false;
    host.post({ type: 'viewError', message });
  };
  let last: ExplorePayload | undefined;
  window.addEventListener('message', (ev: MessageEvent) => {
    let m: ToExplore;
    try {
      m = parseToExplore(ev.data);
    } catch (e) {
      report('Ignored a malformed message from the extension', e);
      return;
    }
    try {
      banner.hidden = true;
      switch (m.type) {
        case 'empty':
          last = undefined;
          emptyNotice(root, m.message);
          break;
        case 'setExplore':
          last = m.payload;
          busy.hidden = true;
          render(root, m.payload, host, busy);
          break;
        case 'exploreBusy':
          busy.textContent = `${m.message}${m.fraction !== undefined ? ` (${Math.round(m.fraction * 100)}%)` : ''}…`;
          busy.hidden = false;
          if (!last) {
            clear(root);
            root.append(busy);
          }
          break;
        default: {
          const never: never = m;
          throw new Error(`unhandled ${JSON.stringify(never)}`);
        }
      }
    } catch (e) {
      report('The exploration view could not show the data', e);
    }
  });
  window.addEventListener('error', (e) => report('Script error', e.error ?? e.message));
  window.addEventListener('unhandledrejection', (e) => report('Unhandled rejection', e.reason));
  host.post({ type: 'ready', view: 'explore' });
}

main();
