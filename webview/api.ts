/**
 * The page's side of the message channel: typed posting to the host and the view's own
 * UI state (selection, toggles) kept by VS Code across hide/show through getState/setState.
 */
import type { FromWebviewByView, ViewKind } from '../protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host<V extends ViewKind> {
  readonly view: V;
  post(message: FromWebviewByView[V]): void;
  /** UI state saved by this view earlier (not data: data always comes from the host). */
  uiState<T extends object>(): Partial<T>;
  saveUiState(patch: object): void;
}

export function makeHost<V extends ViewKind>(view: V): Host<V> {
  // acquireVsCodeApi may be called once per page load.
  const api = acquireVsCodeApi();
  const read = (): Record<string, unknown> => {
    const s = api.getState();
    return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
  };
  return {
    view,
    post: (m) => api.postMessage(m),
    uiState: <T extends object>() => read() as Partial<T>,
    saveUiState: (patch) => api.setState({ ...read(), ...patch }),
  };
}
