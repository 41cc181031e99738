import type { HostMessage, TrendsViewState, WebviewMessage } from '../../src/protocol/trends';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** `acquireVsCodeApi` may be called only once per page: this module is the one place that does. */
const api: VsCodeApi = acquireVsCodeApi();

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

export function savedState(): Partial<TrendsViewState> | undefined {
  const state = api.getState();
  return typeof state === 'object' && state !== null ? (state as Partial<TrendsViewState>) : undefined;
}

export function saveState(state: TrendsViewState): void {
  api.setState(state);
  post({ type: 'stateChanged', state });
}

export function onHostMessage(handler: (message: HostMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as HostMessage | undefined;
    if (data && typeof data === 'object' && typeof data.type === 'string') handler(data);
  });
}
