import { pino, type Logger } from 'pino';

export interface LoggerOptions {
  /**
   * Human-readable lines (pino-pretty) instead of JSON: for a person at a terminal.
   * @default false — JSON, for log collectors; the CLI turns it on when stdout is a TTY
   */
  pretty?: boolean;
}

/**
 * JSON logs on stdout; `LOG_LEVEL=debug` adds per-connection lines, never per relayed message.
 * pino-pretty is loaded only for a terminal: a server under a supervisor never pays for it.
 */
export async function createLogger(level: string, options: LoggerOptions = {}): Promise<Logger> {
  const settings = { level, base: { service: 'sinyal' } };
  if (!options.pretty) return pino(settings);
  const { default: pretty } = await import('pino-pretty');
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
