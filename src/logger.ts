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
  if (!options.pretty) return bufferedJsonLogger(settings);
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

/** Log lines wait at most this long for others to share their write. */
const FLUSH_EVERY_MS = 250;

/**
 * JSON lines written up to 4 KB at a time instead of one write per line: in a connect storm the
 * join lines were a write syscall each (~3 % of the main thread's time in the storm). A quiet
 * server's lines still appear within {@link FLUSH_EVERY_MS}; pino writes what is left when the
 * process exits, so only a `kill -9` or a crash of the runtime itself loses the last ones.
 */
function bufferedJsonLogger(settings: { level: string; base: object }): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  let pending = false;
  const flusher = setInterval(() => {
    if (!pending) return;
    pending = false;
    destination.flush();
  }, FLUSH_EVERY_MS);
  flusher.unref();
  return pino(
    {
      ...settings,
      hooks: {
        streamWrite: (line) => {
          pending = true;
          return line;
        },
      },
    },
    destination,
  );
}
