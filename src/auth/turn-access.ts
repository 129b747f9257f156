import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Engine } from '../engine/engine.js';
import { SignalError } from '../engine/signal-error.js';
import { sameSecret } from '../protocol/same-secret.js';
import { authenticate, type AuthOptions } from './identity.js';

export type TurnAccessConfig = Pick<
  Config,
  'iceServers' | 'turnUrls' | 'turnSecret' | 'turnCredential' | 'iceServersPerMinute'
>;

/** What a `GET /api/ice-servers` offers as proof. */
export interface IceRequest {
  token?: string;
  userId?: string;
  connectionId?: string;
  connectionToken?: string;
}

/** Rate-limit entries kept at most; the oldest windows go first. */
const MAX_TRACKED = 50_000;

/**
 * Who gets TURN credentials. With authentication on, the holder of a valid token (its `sub` is
 * the TURN user); otherwise a live signaling connection proving itself with the
 * `connectionToken` of its `welcome` (an SSE connection: its private connection id). Either way
 * at most `ICE_SERVERS_PER_MINUTE` a minute. STUN is no secret: it is handed to anyone, and a
 * request with no proof at all gets the STUN part.
 */
export class TurnAccess {
  private readonly key: Buffer;
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly config: TurnAccessConfig,
    private readonly auth: AuthOptions,
    private readonly engine: Engine,
  ) {
    // Every process of a cluster shares TURN_SECRET, so a token minted by one is good on all.
    const shared = config.turnSecret ?? config.turnCredential;
    this.key = createHmac('sha256', shared ?? randomBytes(32))
      .update('sinyal connection token')
      .digest();
  }

  /** Whether the ICE servers hold a credential worth protecting. */
  get guarded(): boolean {
    if (this.config.iceServers) return this.config.iceServers.some((s) => s.credential);
    return !!this.config.turnUrls?.length;
  }

  /** The token a connection shows to `GET /api/ice-servers` (sent in its `welcome`). */
  connectionToken(peerId: string): string {
    return createHmac('sha256', this.key).update(peerId).digest('base64url');
  }

  /**
   * The `connectionToken` a socket's `welcome` carries: only when {@link authorize} would check
   * it (TURN credentials to protect, authentication off); otherwise nothing asks for it.
   */
  welcomeToken(peerId: string): string | undefined {
    return this.auth.mode !== 'jwt' && this.guarded ? this.connectionToken(peerId) : undefined;
  }

  /**
   * Resolves to the TURN user id; to undefined when the request offers no proof at all (it gets
   * the STUN part only); throws `unauthorized` for a proof that fails, or `rate-limited`.
   */
  async authorize(request: IceRequest): Promise<string | undefined> {
    let userId: string;
    let limitKey: string;
    if (this.auth.mode === 'jwt') {
      if (request.token === undefined) return undefined;
      ({ userId } = await authenticate(
        { token: request.token, userId: request.userId },
        this.auth,
      ));
      limitKey = `user:${userId}`;
    } else if (!this.guarded) {
      return 'anonymous'; // STUN only: nothing to protect, nobody to limit
    } else {
      const { connectionId, connectionToken } = request;
      if (connectionId === undefined && connectionToken === undefined) return undefined;
      const peerId = this.livePeer(connectionId, connectionToken);
      if (!peerId) {
        throw new SignalError(
          'unauthorized',
          'TURN credentials need a live connection: pass connectionId and connectionToken from its welcome (or connected) event',
        );
      }
      userId = this.engine.cluster.peer(peerId)!.userId;
      limitKey = `conn:${peerId}`;
    }
    this.take(limitKey);
    return userId;
  }

  /**
   * The live peer a request proves: a socket's id with its `connectionToken`, or an SSE
   * connection's private id (with its token, if one is given).
   */
  private livePeer(connectionId?: string, token?: string): string | undefined {
    if (!connectionId) return undefined;
    const ssePeer = this.auth.connectionPeer?.(connectionId);
    const peerId = ssePeer ?? connectionId;
    if (!this.engine.cluster.peer(peerId)) return undefined;
    if (token !== undefined) return this.matches(peerId, token) ? peerId : undefined;
    return ssePeer;
  }

  private matches(connectionId: string, given: string): boolean {
    return sameSecret(given, this.connectionToken(connectionId));
  }

  private take(key: string): void {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= 60_000) {
      this.windows.delete(key);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > MAX_TRACKED) this.windows.delete(this.windows.keys().next().value!);
    }
    if (++window.count > this.config.iceServersPerMinute) {
      throw new SignalError(
        'rate-limited',
        `Too many ICE server requests: at most ${this.config.iceServersPerMinute} per minute`,
      );
    }
  }
}
