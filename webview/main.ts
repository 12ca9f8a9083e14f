/**
 * Entry of the webview bundle: finds which view the page names (`<body data-view>`), starts it,
 * validates every message from the host before the view sees it, reports script errors to the
 * host's log, and says `ready` so the host sends the view's complete state.
 */
import { type FromWebviewByView, isViewKind, parseToWebview, type ToWebviewByView, type ViewKind } from '../protocol/webview';
import { type Host, makeHost } from './api';
import { el } from './dom';
import { watchTheme } from './theme';
import { captionsView } from './views/captions';
import { gradFlowView } from './views/gradflow';
import { hiddenView } from './views/hidden';
import { reportView } from './views/report';
import { trainingView } from './views/training';

interface View<V extends ViewKind> {
  receive(m: ToWebviewByView[V]): void;
}

function start<V extends ViewKind>(view: V, root: HTMLElement, make: (root: HTMLElement, host: Host<V>) => View<V>): void {
  const host = makeHost(view);
  const banner = el('p', { class: 'protocol-error', attrs: { role: 'alert', hidden: true } });
  root.before(banner);
  const report = (what: string, e: unknown): void => {
    const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    banner.textContent = message;
    banner.hidden = false;
    // viewError and ready belong to every view's union; TypeScript cannot see that through V.
    host.post({ type: 'viewError', message } as FromWebviewByView[V]);
  };
  let v: View<V>;
  try {
    v = make(root, host);
  } catch (e) {
    report(`${view} view failed to start`, e);
    return;
  }
  window.addEventListener('message', (ev: MessageEvent) => {
    let m: ToWebviewByView[V];
    try {
      m = parseToWebview(view, ev.data);
    } catch (e) {
      report('Ignored a malformed message from the extension', e);
      return;
    }
    try {
      banner.hidden = true;
      v.receive(m);
    } catch (e) {
      report(`${view} view could not show the data`, e);
    }
  });
  window.addEventListener('error', (e) => report('Script error', e.error ?? e.message));
  window.addEventListener('unhandledrejection', (e) => report('Unhandled rejection', e.reason));
  host.post({ type: 'ready', view } as FromWebviewByView[V]);
}

function main(): void {
  const root = document.getElementById('app');
  const view = document.body.dataset.view;
  if (!root) return;
  if (!isViewKind(view)) {
    root.replaceChildren(el('p', { class: 'protocol-error' }, `Unknown view “${view ?? ''}”.`));
    return;
  }
  watchTheme();
  switch (view) {
    case 'report':
      return start(view, root, reportView);
    case 'hidden':
      return start(view, root, hiddenView);
    case 'gradflow':
      return start(view, root, gradFlowView);
    case 'captions':
      return start(view, root, captionsView);
    case 'training':
      return start(view, root, trainingView);
    default: {
      const never: never = view;
      throw new Error(`unknown view ${String(never)}`);
    }
  }
}

main();
