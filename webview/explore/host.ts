/**
 * The exploration panel's side of the channel, and stand-in hosts that let it embed the report
 * and gradients-per-timestep views of the webview bundle: their exports go to the real host,
 * their UI state is kept under their own key, everything else stays in the panel.
 */
import type { Host } from '../api';
import type { FromExplore, FromWebviewByView, ViewKind } from '../../protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface ExploreHost {
  post(m: FromExplore): void;
  uiState<T extends object>(): Partial<T>;
  saveUiState(patch: object): void;
  /** A Host for an embedded view; `key` separates the UI state of several embedded copies. */
  embedded<V extends ViewKind>(view: V, key: string): Host<V>;
}

export function makeExploreHost(): ExploreHost {
  const api = acquireVsCodeApi();
  const read = (): Record<string, unknown> => {
    const s = api.getState();
    return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
  };
  const post = (m: FromExplore) => api.postMessage(m);
  return {
    post,
    uiState: <T extends object>() => read() as Partial<T>,
    saveUiState: (patch) => api.setState({ ...read(), ...patch }),
    embedded: <V extends ViewKind>(view: V, key: string): Host<V> => ({
      view,
      post: (m: FromWebviewByView[V]) => {
        if (m.type === 'export' || m.type === 'viewError') post(m);
      },
      uiState: <T extends object>() => ((read()[`embedded:${key}`] ?? {}) as Partial<T>),
      saveUiState: (patch: object) => api.setState({ ...read(), [`embedded:${key}`]: { ...((read()[`embedded:${key}`] as object) ?? {}), ...patch } }),
    }),
  };
}
