/**
 * The reason a peer is disconnected for not reading: its outbound buffer (frames the server has
 * queued for it and the network has not taken) passed `MAX_BUFFERED_BYTES`. The whole budget is
 * one number per connection so that memory is bounded by connections × budget, whatever
 * clients do; docs/security.md explains it.
 */
export const OVER_BUDGET_REASON = 'outbound buffer over budget: the client is not reading';

/** Length of a queued packet's data, in bytes for buffers and UTF-16 units for strings. */
export function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data && typeof data === 'object' && 'byteLength' in data) {
    return (data as { byteLength: number }).byteLength;
  }
  return 0;
}
