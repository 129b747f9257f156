import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  /**
   * Human-readable lines (pino-pretty) instead of JSON: for a person at a terminal.
   * @default false — JSON, for log collectors; the CLI turns it on when stdout is a TTY
   */
  pretty?: boolean;
}

/** JSON logs on stdout; `LOG_LEVEL=debug` adds per-connection lines, never per relayed message. */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const settings = { level, base: { service: 'sinyal' } };
  if (!options.pretty) return pino(settings);
  // Synchronous on purpose: at `info` only joins, leaves and admin actions are logged.
  return pino(
    settings,
    pretty({
      colorize: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service,component',
    }),
  );
}
