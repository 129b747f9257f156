import { z } from 'zod';
import type { LiveSettings } from '../engine/engine.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * The settings `POST /api/settings` accepts (an allow-list), each read live by the engine
 * (`engine.settings`). Values travel as strings, as SSE + REST clients send them.
 */
export const liveSettingKeys = {
  max_connections: { field: 'maxConnections', schema: int(0, 10_000_000) },
  default_room_capacity: { field: 'meshRoomCapacity', schema: int(2, 1000) },
  max_messages_per_second: { field: 'maxMessagesPerSecond', schema: int(0, 1_000_000) },
} as const satisfies Record<string, { field: keyof LiveSettings; schema: z.ZodType<number> }>;

export type LiveSettingKey = keyof typeof liveSettingKeys;

export const isLiveSetting = (key: string): key is LiveSettingKey =>
  Object.hasOwn(liveSettingKeys, key);

/** Checks a value for a live key; returns the number, or an error message. */
export function parseLiveSetting(
  key: LiveSettingKey,
  value: string,
): { ok: true; value: number } | { ok: false; message: string } {
  const parsed = liveSettingKeys[key].schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `${key}: ${parsed.error.issues[0]?.message ?? 'is invalid'}` };
}

/** Applies a stored value to the engine; invalid stored values are ignored (and reported). */
export function applyLiveSetting(settings: LiveSettings, key: string, value: string): boolean {
  if (!isLiveSetting(key)) return false;
  const parsed = parseLiveSetting(key, value);
  if (!parsed.ok) return false;
  settings[liveSettingKeys[key].field] = parsed.value;
  return true;
}
