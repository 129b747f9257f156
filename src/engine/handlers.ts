import type { HandlerMap } from './handler-context.js';
import { meshHandlers } from './mesh-handlers.js';
import { pairHandlers } from './pair-handlers.js';
import { presenceHandlers } from './presence-handlers.js';

/** No prototype: an event named `toString` or `constructor` finds no handler, not Object's. */
export const handlers: HandlerMap = Object.assign(
  Object.create(null) as HandlerMap,
  pairHandlers,
  meshHandlers,
  presenceHandlers,
);
