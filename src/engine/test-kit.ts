// For the engine's unit tests (not built into dist): the real Engine on the in-memory cluster,
// with sinks that record what each peer is sent.
import { Engine, type ConnectOptions, type EngineOptions } from './engine.js';
import type { Peer } from './peer.js';
import type { PeerSink } from '../protocol/types.js';

/** A transport stand-in: records every event, and whether the engine closed it. */
export class RecordingSink implements PeerSink {
  readonly events: Array<[event: string, data: any]> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  closedWith: string | undefined;
  private readonly waiting: Array<{ event: string; resolve: (data: unknown) => void }> = [];

  emit(event: string, data: unknown): void {
    this.events.push([event, data]);
    const index = this.waiting.findIndex((w) => w.event === event);
    if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(data);
  }

  disconnect(reason: string): void {
    this.closedWith = reason;
  }

  /** Event names in the order they were sent. */
  names(): string[] {
    return this.events.map(([event]) => event);
  }

  /** Payloads of `event`, in order. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  all(event: string): any[] {
    return this.events.filter(([e]) => e === event).map(([, data]) => data);
  }

  /**
   * The next `event` sent from now on (for what a timer sends). Its own timer bounds the wait and
   * keeps the process alive: the engine's timers are unref'd, and node:test cancels a test
   * that awaits only those.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  next(event: string, timeout = 10_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${event}" in ${timeout} ms`)), timeout);
      this.waiting.push({ event, resolve: (data) => (clearTimeout(timer), resolve(data)) });
    });
  }
}

export interface TestPeer {
  peer: Peer;
  sink: RecordingSink;
  /** Sends one inbound event and waits until the engine handled it. */
  send(event: string, data: unknown): Promise<void>;
}

/** An engine on the in-memory cluster and a way to connect users to it. */
export function engineKit(options: EngineOptions = {}) {
  const engine = new Engine(options);
  const connect = (userId: string, extra: Partial<ConnectOptions> = {}): TestPeer => {
    const sink = new RecordingSink();
    const peer = engine.connect(sink, {
      transport: 'websocket',
      userId,
      user: { id: userId, name: userId, avatar: null },
      ...extra,
    });
    return { peer, sink, send: async (event, data) => engine.receive(peer, event, data) };
  };
  return { engine, connect };
}
