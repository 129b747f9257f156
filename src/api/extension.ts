import type { Store } from '../store/store.js';
import { adminApi } from './admin-extension.js';
import { sseApi, type SseExtension } from './sse-extension.js';
import {
  storeExtension,
  type StoreExtension,
  type StoreExtensionOptions,
} from './store-extension.js';
import type { SinyalExtension } from '../extension.js';

export { adminApi, sseApi, storeExtension };
export type StoreApiOptions = StoreExtensionOptions;

/** The three extensions `storeApi()` composes, with the store they share once it is open. */
export type StoreApi = readonly [StoreExtension, SseExtension, SinyalExtension] & {
  readonly store: Store | undefined;
};

/**
 * The whole REST + SSE API of the CLI: the store, the SSE transport and the admin API, set up
 * in that order. `createServer({ extensions: [storeApi()] })`; each can also be used alone.
 */
export function storeApi(options: StoreApiOptions = {}): StoreApi {
  const store = storeExtension(options);
  const sse = sseApi();
  const three = [store, sse, adminApi({ store, sse })] as const;
  return Object.defineProperty(three, 'store', { get: () => store.store }) as StoreApi;
}
