import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { isRecord } from './node-messages.js';
import type { Script } from './redis-scripts.js';

export interface RedisLinkOptions {
  url: string;
  prefix: string;
  nodeId: string;
  logger: Logger | undefined;
  /** A state change from the cluster channel (has a numeric `seq`). */
  onState(message: Record<string, unknown>): void;
  /** A message for this node: forwarded event, kick, broadcast (checked by the receiver). */
  onNode(message: Record<string, unknown>): void;
  /** Re-registers and loads a snapshot; resolves to the snapshot's `seq`. */
  sync(): Promise<number>;
}

/** Events published while Redis is away wait here, in order, up to this many. */
const OUTBOX_LIMIT = 10_000;

/**
 * The two Redis connections of a node and their life: commands and publishes on one (so what a
 * node sends keeps its order), subscriptions on the other. Tracks whether the node is in sync,
 * buffers pub/sub while a re-registration runs, and queues publishes while Redis is away.
 */
export class RedisLink {
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly clusterChannel: string;
  private readonly ownChannel: string;
  /** Pub/sub received while a sync runs: replayed after the snapshot, minus what it covers. */
  private buffer: Array<[channel: string, message: string]> | null = [];
  private outbox: Array<[channel: string, message: string]> = [];
  private dropped = 0;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  /**
   * Consecutive publishes to one channel, sent as one PUBLISH of a JSON array once the event
   * loop has read what was ready (`setImmediate`): the frames of every client read in one pass
   * cost one Redis command, one write and one parse on the receiver instead of one each. Any
   * other command flushes it first, so the order on the connection is unchanged.
   */
  private batch: { channel: string; messages: string[] } | null = null;
  private closed = false;
  /** Bumped at each lost connection, so a sync that straddled one does not count. */
  private epoch = 0;
  /** True once re-registered and mirrored; false from a lost connection until the next sync. */
  synced = false;
  lastError = '';

  constructor(private readonly options: RedisLinkOptions) {
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      // Fail fast while Redis is away: the cluster falls back to its mirror instead of waiting.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: 5000,
      connectTimeout: 5000,
      retryStrategy: (times) => Math.min(times * 100, 1000),
      connectionName: `sinyal:${options.nodeId}`,
    };
    // No auto-pipelining: it would hold every command until a `setImmediate` of its own, one
    // loop pass after the batch below is flushed, and build a pipeline object per pass. Each
    // command is written when issued, so the order on the connection is the order of the calls.
    this.cmd = new Redis(options.url, redisOptions);
    this.sub = new Redis(options.url, redisOptions);
    this.clusterChannel = `${options.prefix}cluster`;
    this.ownChannel = `${options.prefix}to:${options.nodeId}`;
    for (const client of [this.cmd, this.sub]) {
      client.on('error', (error: Error) => {
        if (this.lastError !== error.message) {
          options.logger?.warn({ err: error.message }, 'Redis connection error');
        }
        this.lastError = error.message;
      });
      client.on('close', () => this.lost());
      client.on('ready', () => this.requestSync());
    }
    this.sub.on('message', (channel: string, message: string) => this.receive(channel, message));
  }

  get ready(): boolean {
    return this.cmd.status === 'ready' && !this.closed;
  }

  /** Between a lost connection and the end of the next sync. */
  get buffering(): boolean {
    return this.buffer !== null;
  }

  /** Connects both; throws a readable error when Redis cannot be reached at start. */
  async connect(): Promise<void> {
    try {
      await Promise.all([this.cmd.connect(), this.sub.connect()]);
    } catch (error) {
      this.cmd.disconnect();
      this.sub.disconnect();
      const where = this.options.url.replace(/\/\/[^@/]*@/, '//***@');
      const reason = this.lastError || (error as Error).message;
      throw new Error(`Cannot reach Redis at ${where} (REDIS_URL): ${reason}`, {
        cause: error,
      });
    }
  }

  /** Runs a script (EVALSHA, EVAL when Redis forgot it) with the key prefix as ARGV[1]. */
  run(script: Script, ...args: string[]): Promise<unknown> {
    this.flushBatch();
    const argv = [this.options.prefix, ...args];
    const call = this.cmd.evalsha(script.sha, 0, ...argv).catch((error: Error) => {
      if (!error.message.startsWith('NOSCRIPT')) throw error;
      return this.cmd.eval(script.lua, 0, ...argv);
    });
    this.pending.add(call);
    void call.then(
      () => this.pending.delete(call),
      () => this.pending.delete(call),
    );
    return call;
  }

  /**
   * Caches the scripts in Redis (after every reconnect: a restarted Redis forgot them), so no
   * EVALSHA falls back to EVAL later, which would let a publish sent after it overtake it.
   */
  async loadScripts(scripts: Script[]): Promise<void> {
    await Promise.all(scripts.map((s) => this.cmd.script('LOAD', s.lua)));
  }

  /** Publishes to a node's channel, or to every node (`null`), keeping order while Redis is away. */
  publish(nodeId: string | null, message: string): void {
    const channel = nodeId === null ? this.clusterChannel : `${this.options.prefix}to:${nodeId}`;
    if (this.ready && this.outbox.length === 0) {
      if (this.batch && this.batch.channel !== channel) this.flushBatch();
      if (!this.batch) {
        this.batch = { channel, messages: [] };
        setImmediate(() => this.flushBatch());
      }
      this.batch.messages.push(message);
      return;
    }
    if (this.closed) return;
    this.outbox.push([channel, message]);
    if (this.outbox.length > OUTBOX_LIMIT) {
      this.outbox.shift();
      if (this.dropped++ === 0) this.options.logger?.warn('Redis away too long: dropping events');
    }
  }

  private flushBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    const { channel, messages } = batch;
    const payload = messages.length === 1 ? messages[0]! : `[${messages.join(',')}]`;
    this.cmd.publish(channel, payload).catch(() => (this.dropped += messages.length));
  }

  /** A full sync: on start, and resolves when done (throws if it failed). */
  async resync(): Promise<void> {
    if (!this.syncing && !this.synced) this.requestSync();
    while (this.syncing) await this.syncing;
    if (!this.synced) throw new Error(`Could not sync with Redis: ${this.lastError}`);
  }

  requestSync(): void {
    if (this.closed || this.cmd.status !== 'ready' || this.sub.status !== 'ready') return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.runSync().finally(() => {
      this.syncing = null;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.requestSync();
      }
    });
  }

  private async runSync(): Promise<void> {
    this.buffer ??= [];
    const epoch = this.epoch;
    try {
      // Subscribed before the snapshot is read, so no change falls between the two.
      await this.sub.subscribe(this.clusterChannel, this.ownChannel);
      const seq = await this.options.sync();
      if (epoch !== this.epoch) throw new Error('Redis connection lost during sync');
      const buffered = this.buffer;
      this.buffer = null;
      for (const [channel, message] of buffered) this.dispatch(channel, message, seq);
      const wasDown = !this.synced;
      this.synced = true;
      this.flushOutbox();
      if (wasDown && this.lastError) {
        this.options.logger?.info('Redis is back: peers and rooms re-registered');
        this.lastError = '';
      }
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.logger?.warn({ err: error }, 'sync with Redis failed; retrying');
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.requestSync(), 1000);
      this.retry.unref();
    }
  }

  private flushOutbox(): void {
    this.flushBatch();
    const queued = this.outbox;
    this.outbox = [];
    for (const [channel, message] of queued) {
      this.cmd.publish(channel, message).catch(() => this.dropped++);
    }
    if (this.dropped) {
      this.options.logger?.warn({ dropped: this.dropped }, 'events lost while Redis was away');
      this.dropped = 0;
    }
  }

  private lost(): void {
    if (this.closed) return;
    if (this.synced) this.options.logger?.warn('Redis connection lost: degraded to this process');
    this.synced = false;
    this.buffer = [];
    this.epoch++;
  }

  private receive(channel: string, message: string): void {
    if (this.buffer) this.buffer.push([channel, message]);
    else this.dispatch(channel, message, -1);
  }

  /** `after`: state changes up to this seq are in the snapshot already. */
  private dispatch(channel: string, raw: string, after: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    if (Array.isArray(parsed)) for (const message of parsed) this.route(channel, message, after);
    else this.route(channel, parsed, after);
  }

  private route(channel: string, message: unknown, after: number): void {
    if (!isRecord(message)) return;
    if (channel === this.clusterChannel && typeof message.seq === 'number') {
      if (message.seq > after) this.options.onState(message);
    } else if (channel === this.clusterChannel || channel === this.ownChannel) {
      this.options.onNode(message);
    }
  }

  /** Waits (briefly) for scripts in flight. */
  async settle(): Promise<void> {
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.allSettled([...this.pending]), timeout]);
  }

  async close(): Promise<void> {
    this.flushBatch();
    this.closed = true;
    clearTimeout(this.retry);
    await Promise.allSettled([this.cmd.quit(), this.sub.quit()]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}
