import type { ServerResponse } from 'node:http';
import type { SseSession } from './sse-session.js';

/**
 * Makes `response` the session's stream (a resumed one replaces the old). When it closes while
 * the session lives, `onGap` runs: the session then waits for its client.
 */
export function attachStream(
  session: SseSession,
  response: ServerResponse,
  headers: Record<string, string>,
  onGap: () => void,
): void {
  clearTimeout(session.gapTimer);
  const previous = session.stream;
  session.stream = response;
  // A client back before we noticed its old stream died: that one is simply let go.
  if (previous && !previous.writableEnded) previous.end();
  startStream(response, headers);
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

/** Sessions the server ended, for a while: a resume gets 204 so EventSource stops retrying. */
export class EndedSessions {
  private readonly until = new Map<string, number>();

  constructor(private readonly keepFor: number) {}

  add(id: string): void {
    this.until.set(id, Date.now() + this.keepFor);
  }

  has(id: string): boolean {
    const until = this.until.get(id);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(id);
    return false;
  }

  /** Forgets the ones whose time is over (on the heartbeat). */
  sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
