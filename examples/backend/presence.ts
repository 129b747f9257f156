import type { WebhookEvent } from 'sinyal/server';

/**
 * What this example backend does with sinyal's events: it knows who is in which room, without
 * polling. A real app would bill call minutes or start a recording here.
 */
export class Presence {
  private readonly rooms = new Map<string, Set<string>>();
  /** `webhook-id`s already handled: delivery is at least once, so a retry may come twice. */
  private readonly seen = new Set<string>();

  handle(webhookId: string, event: WebhookEvent): void {
    if (this.seen.has(webhookId)) return;
    this.seen.add(webhookId);
    const room = event.data.room.id;
    switch (event.type) {
      case 'room.started':
        this.rooms.set(room, new Set());
        break;
      case 'participant.joined':
        this.rooms.get(room)?.add(event.data.participant.userId);
        break;
      case 'participant.left':
        this.rooms.get(room)?.delete(event.data.participant.userId);
        break;
      case 'room.finished':
        this.rooms.delete(room);
        break;
    }
  }

  toJSON(): Record<string, string[]> {
    return Object.fromEntries([...this.rooms].map(([room, users]) => [room, [...users]]));
  }
}

/** The settings both example servers read from the environment. */
export function settings(env = process.env) {
  const missing = ['SINYAL_URL', 'SINYAL_ADMIN_TOKEN', 'AUTH_JWT_SECRET', 'WEBHOOK_SECRET'].filter(
    (name) => !env[name],
  );
  if (missing.length) throw new Error(`Set ${missing.join(', ')}`);
  return {
    sinyalUrl: env.SINYAL_URL!,
    adminToken: env.SINYAL_ADMIN_TOKEN!,
    /** The same AUTH_JWT_SECRET sinyal verifies tokens with. */
    jwtSecret: env.AUTH_JWT_SECRET!,
    /** The same WEBHOOK_SECRET sinyal signs its webhooks with. */
    webhookSecret: env.WEBHOOK_SECRET!,
    port: Number(env.PORT ?? 4000),
  };
}
