import { pino, type Logger } from 'pino';

/** JSON logs on stdout; `LOG_LEVEL=debug` adds per-connection lines, never per relayed message. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'sinyal' } });
}
