import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Framing } from './servers.js';

/**
 * One benchmark peer on a raw `ws` socket. Socket.IO is spoken by hand (Engine.IO v4 over
 * websocket: `0` open, `40` connect, `42[event,data]` events, `2`/`3` ping/pong) so the generator
 * spends as little CPU as possible per message and the server, not the client, is what saturates.
 */
export class BenchPeer {
  /** Called with the raw frame of every `ice-candidate-received`. */
  onCandidate: (frame: string) => void = () => {};
  errors = 0;
  lastError = '';
  /** The pair room this peer joined, if any. */
  roomId: string | undefined;
  private readonly waiters = new Map<string, () => void>();
  private readonly candidatePrefix: string;
  private tcp: Socket | undefined;

  private constructor(
    private readonly ws: WebSocket,
    readonly framing: Framing,
  ) {
    this.candidatePrefix =
      framing === 'socket.io' ? '42["ice-candidate-received"' : '{"event":"ice-candidate-received"';
    ws.once('upgrade', (response) => (this.tcp = response.socket));
    ws.on('message', (raw) => this.handle(raw.toString()));
    ws.on('error', () => {});
  }

  /**
   * Opens a connection; resolves once the server has admitted it (Socket.IO: namespace joined;
   * PeerJS: `OPEN`). `localAddress` (127.0.0.x) spreads many connections over source addresses.
   */
  static connect(
    framing: Framing,
    port: number,
    wsPath = '/ws',
    localAddress?: string,
  ): Promise<BenchPeer> {
    const ws = new WebSocket(connectUrl(framing, port, wsPath), {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress,
    });
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => reject(error);
      ws.once('error', fail);
      const peer = new BenchPeer(ws, framing);
      const admitted = () => {
        ws.off('error', fail);
        resolve(peer);
      };
      if (framing === 'ws') ws.once('open', admitted);
      else peer.waiters.set(framing === 'peerjs' ? 'OPEN' : 'connect', admitted);
    });
  }

  /** Sends an event whose data is already JSON. */
  emit(event: string, dataJson: string): void {
    const [before, after] = this.envelope(event);
    this.ws.send(before + dataJson + after);
  }

  /** What goes before and after an event's JSON data in one frame of this framing. */
  envelope(event: string): [string, string] {
    return this.framing === 'socket.io'
      ? [`42["${event}",`, ']']
      : [`{"event":"${event}","data":`, '}'];
  }

  /**
   * Sends a frame built with {@link envelope}. Frames sent in one tick share one TCP write, so
   * the generator's syscalls do not cap the rate (every server under test gets the same).
   * `coalesce: false` writes it alone, as a phone sending one candidate at a time does: Node
   * writes an uncorked socket at once, so each frame is its own write syscall and TCP segment.
   */
  sendFrame(frame: string, coalesce = true): void {
    if (coalesce && this.tcp && this.tcp.writableCorked === 0) {
      this.tcp.cork();
      process.nextTick(uncork, this.tcp);
    }
    this.ws.send(frame);
  }

  /** Resolves at the next `event` (for rare control events; candidates go to onCandidate). */
  next(event: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${event}" in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.set(event, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }

  /** Leaves on purpose, as a client's own `disconnect()` does: the server keeps nothing to resume. */
  leave(): void {
    if (this.framing === 'socket.io' && this.isOpen) this.ws.send('41');
    this.ws.close(1000);
  }

  /** Stops reading the socket, as a client that hangs would: the server's frames pile up. */
  pause(): void {
    this.ws.pause();
  }

  /** Whether the connection is still open (as far as this side has read). */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes this peer has queued and its socket has not yet taken. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  private handle(frame: string): void {
    if (frame.startsWith(this.candidatePrefix)) {
      this.onCandidate(frame);
      return;
    }
    let event: string;
    if (this.framing === 'socket.io') {
      if (frame === '2') return this.ws.send('3'); // Engine.IO ping
      if (frame.startsWith('0')) return this.ws.send('40'); // open → connect to "/"
      if (frame.startsWith('40')) event = 'connect';
      else if (frame.startsWith('42')) event = (JSON.parse(frame.slice(2)) as [string])[0];
      else event = frame.startsWith('44') ? 'error' : 'other';
    } else {
      const parsed = JSON.parse(frame) as { event?: string; type?: string };
      event = parsed.event ?? (parsed.type === 'ERROR' ? 'error' : (parsed.type ?? 'other'));
    }
    if (event === 'error') {
      this.errors++;
      this.lastError = frame.slice(0, 200);
    }
    const waiter = this.waiters.get(event);
    if (waiter) {
      this.waiters.delete(event);
      waiter();
    }
  }
}

let peerjsIds = 0;

function connectUrl(framing: Framing, port: number, wsPath: string): string {
  const base = `ws://127.0.0.1:${port}`;
  if (framing === 'socket.io') return `${base}/socket.io/?EIO=4&transport=websocket`;
  if (framing === 'ws') return `${base}${wsPath}`;
  const id = `bench-${process.pid}-${++peerjsIds}`;
  return `${base}/peerjs?key=peerjs&id=${id}&token=${id}`;
}

function uncork(tcp: Socket): void {
  tcp.uncork();
}
