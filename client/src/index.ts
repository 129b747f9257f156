export { SinyalClient, type SinyalClientOptions } from './client.js';
export { ConnectError } from './connect.js';
export { Emitter } from './emitter.js';
export { AudioLevelMeter } from './audio-level.js';
export { LocalMedia } from './media.js';
export { PeerLink, type PeerLinkOptions, type Signal } from './peer.js';
export { DataLink, maxMessageSize, sha256Hex } from './data.js';
export type { ServerListeners, ClientEmits } from './signaling.js';
export type * from './types.js';
export {
  SseClient,
  SseRequestError,
  type SseClientEvents,
  type SseClientOptions,
  type SseConnected,
  type SseState,
} from './sse/sse-client.js';
