import type { ServerResponse } from 'node:http';
import type { SseSession } from './sse-session.js';

/**
 * Makes `response` the session's stream and writes what was sent before it (the greeting).
 * When it closes while the session lives, `onGap` runs: the peer then waits for its client.
 */
export function attachStream(
  session: SseSession,
  response: ServerResponse,
  headers: Record<string, string>,
  onGap: () => void,
): void {
  session.stream = response;
  startStream(response, headers);
  const early = session.early ?? [];
  session.early = null;
  for (const frame of early) session.write(frame);
  response.on('close', () => {
    if (session.stream !== response) return;
    session.stream = null;
    if (!session.ended) onGap();
  });
}

/** Answers a stream request: the event-stream headers, and how soon EventSource retries. */
function startStream(response: ServerResponse, headers: Record<string, string>): void {
  response.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  response.write(`retry: 1000\n\n`);
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
