/**
 * Every room kind, in one table: a new kind starts here. `noun` is how refusals name one to
 * people ("the study", "the room"), `statsPrefix` the key prefix of `/metrics` room stats.
 * `pair`: two-person rooms (NestJS-style pair-room clients); `mesh`: video rooms (Express +
 * Socket.IO mesh clients); `presence`: who is online in a study.
 */
export const ROOM_KINDS = {
  pair: { noun: 'room', statsPrefix: 'pair' },
  mesh: { noun: 'room', statsPrefix: 'video' },
  presence: { noun: 'study', statsPrefix: 'study' },
} as const;

export type RoomKind = keyof typeof ROOM_KINDS;

/** The kinds' names, for schemas (`z.enum`) and key parsing. */
export const roomKindNames = Object.keys(ROOM_KINDS) as [RoomKind, ...RoomKind[]];

export const isRoomKind = (value: string): value is RoomKind => Object.hasOwn(ROOM_KINDS, value);
