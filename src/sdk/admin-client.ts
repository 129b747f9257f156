import type { z } from 'zod';
import type {
  AdminRoom,
  AdminRoomList,
  BroadcastResult,
  ConnectionList,
  KickResult,
  LiveSetting,
  LiveSettingList,
  LogPage,
  LogsCleared,
  PersistentRoomView,
  RoomDeleted,
  Sent,
  SettingSaved,
} from '../api/admin-types.js';
import type {
  broadcastQuery,
  createRoomBody,
  kickQuery,
  logsDeleteQuery,
  participantParams,
  settingBody,
  updateRoomBody,
} from '../api/schemas.js';
import type { WebhookDeliveryList, WebhookDeliveryStatus } from '../protocol/webhook-types.js';

// Every shape here is the server's own (type imports only: nothing of the server is loaded).

/** The event log filter; `since` and `until` take a Date or an ISO string. */
export type LogFilter = Omit<z.input<typeof logsDeleteQuery>, 'since' | 'until'> & {
  since?: Date | string;
  until?: Date | string;
};
/** A page of the event log (the server checks the bounds: `limit` 1–500). */
export type LogQuery = LogFilter & {
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
};
export type BroadcastTarget = z.input<typeof broadcastQuery>;
export type NewPersistentRoom = z.input<typeof createRoomBody>;
export type PersistentRoomChange = z.input<typeof updateRoomBody>;
export type RoomParticipant = z.input<typeof participantParams>;
export type SettingInput = z.input<typeof settingBody>;
export type KickOptions = z.input<typeof kickQuery>;
export interface DeliveryQuery {
  status?: WebhookDeliveryStatus;
  /** @default 100 (at most 500) */
  limit?: number;
}

export interface SinyalAdminOptions {
  /** `ADMIN_TOKEN`, or a JWT with `admin: true` (createAccessToken({ admin: true })). */
  token?: string;
  /** @default the global fetch */
  fetch?: typeof fetch;
}

/** The server refused a call, or could not be reached (`status` 0); `code` is its `error`. */
export class SinyalAdminError extends Error {
  override readonly name = 'SinyalAdminError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Query = Record<string, string | number | boolean | Date | undefined>;

/**
 * The admin REST API of a sinyal server, typed by the server's own schemas:
 * `new SinyalAdmin('https://signal.example.com', { token: process.env.SINYAL_ADMIN_TOKEN })`.
 */
export class SinyalAdmin {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(
    url: string | URL,
    private readonly options: SinyalAdminOptions = {},
  ) {
    this.base = String(url).replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Live connections, cluster-wide, with the rooms each is in. */
  connections(): Promise<Sent<ConnectionList>> {
    return this.call('GET', '/api/connections');
  }

  /** Disconnects a connection on whichever node it is; its rooms are told it left. */
  kick(connectionId: string, options: KickOptions = {}): Promise<KickResult> {
    return this.call('DELETE', `/api/connections/${encodeURIComponent(connectionId)}`, {
      query: options,
    });
  }

  /** Sends a JSON object to every client, or with `{ roomId, kind }` to one room's members. */
  broadcast(message: Record<string, unknown>, to: BroadcastTarget = {}): Promise<BroadcastResult> {
    return this.call('POST', '/api/broadcast', { query: to, json: message });
  }

  /** Every live room (video, pair, study) with its members, and the empty persistent rooms. */
  async rooms(): Promise<Sent<AdminRoom>[]> {
    return (await this.call<Sent<AdminRoomList>>('GET', '/api/admin/rooms')).rooms;
  }

  createRoom(room: NewPersistentRoom): Promise<Sent<PersistentRoomView>> {
    return this.call('POST', '/api/video/rooms', { json: room });
  }

  updateRoom(roomId: string, change: PersistentRoomChange): Promise<Sent<PersistentRoomView>> {
    return this.call('PATCH', `/api/video/rooms/${encodeURIComponent(roomId)}`, { json: change });
  }

  deleteRoom(roomId: string): Promise<RoomDeleted> {
    return this.call('DELETE', `/api/video/rooms/${encodeURIComponent(roomId)}`);
  }

  /** Takes a participant out of one room; the connection stays. */
  removeParticipant({ kind, roomId, peerId }: RoomParticipant): Promise<{ ok: true }> {
    const path = [kind, roomId, 'participants', peerId].map(encodeURIComponent).join('/');
    return this.call('DELETE', `/api/admin/rooms/${path}`);
  }

  /** The event log, newest first. */
  logs(query: LogQuery = {}): Promise<Sent<LogPage>> {
    return this.call('GET', '/api/logs', { query });
  }

  clearLogs(filter: LogFilter = {}): Promise<LogsCleared> {
    return this.call('DELETE', '/api/logs', { query: filter });
  }

  /** Every live setting with its value in use, where it comes from and its bounds. */
  async settings(): Promise<LiveSetting[]> {
    return (await this.call<LiveSettingList>('GET', '/api/admin/settings')).settings;
  }

  /** Saves a setting; the live ones apply at once, on this node (`applied`). */
  saveSetting(setting: SettingInput): Promise<Sent<SettingSaved>> {
    return this.call('POST', '/api/settings', { json: setting });
  }

  /** Recent webhook deliveries, newest first. */
  webhookDeliveries(query: DeliveryQuery = {}): Promise<WebhookDeliveryList> {
    return this.call('GET', '/api/webhooks/deliveries', { query: { ...query } });
  }

  /** Sends an abandoned delivery again (same `webhook-id`). */
  async retryWebhookDelivery(id: string): Promise<void> {
    await this.call('POST', `/api/webhooks/deliveries/${encodeURIComponent(id)}/retry`);
  }

  private async call<T>(
    method: string,
    path: string,
    { query, json }: { query?: Query; json?: unknown } = {},
  ): Promise<T> {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(name, value instanceof Date ? value.toISOString() : String(value));
      }
    }
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const what = `${method} ${path}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    } catch (cause) {
      const reason = (cause as Error).message;
      throw new SinyalAdminError(0, 'network', `${what}: cannot reach ${this.base} (${reason})`, {
        cause,
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const { error, message } = (body ?? {}) as { error?: string; message?: string };
      const code = error ?? `http-${response.status}`;
      const detail = message ?? (text.slice(0, 200) || response.statusText);
      throw new SinyalAdminError(
        response.status,
        code,
        `${what}: ${response.status} ${code}: ${detail}`,
      );
    }
    return body as T;
  }
}
