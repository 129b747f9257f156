#!/usr/bin/env node
import { ConfigError, helpText, loadConfig, loadEnvFile } from './config/config.js';
import { createLogger } from './logger.js';
import { startupSummary } from './startup-summary.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'token') {
    const { tokenCommand, tokenUsage } = await import('./auth/token-command.js');
    if (argv.includes('--help') || argv.includes('-h')) return console.log(tokenUsage);
    loadEnvFile();
    console.log(await tokenCommand(argv.slice(1), loadConfig([])));
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return;
  }
  loadEnvFile();
  const config = loadConfig(argv);
  // A person at a terminal reads lines; a log collector reads JSON.
  const pretty = Boolean(process.stdout.isTTY);
  const logger = await createLogger(config.logLevel, { pretty });
  // Loaded only now, so `--help` and config errors answer at once.
  const [{ createServer }, { storeApi }] = await Promise.all([
    import('./server.js'),
    import('./api/extension.js'),
  ]);
  // Persistence and the REST + SSE API (DATA_DIR or DATABASE_URL).
  const server = await createServer({ ...config, logger, extensions: [storeApi()] });
  const { url, port } = await server.listen();
  const summary = startupSummary({ config, url, port, tls: server.tls });
  // The first line of the text is also the JSON `msg`: `sinyal listening on <url>`.
  if (pretty) logger.info(summary.text);
  else logger.info(summary.fields, summary.text.split('\n')[0]);
  if (!config.allowedOrigins && config.nodeEnv === 'production') {
    server.logger.warn(
      'ALLOWED_ORIGINS is not set: any website may connect. Set it in production.',
    );
  }
  const stop = (signal: string) => {
    server.logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `${(error as Error).message}: another program uses this port; set PORT or --port.`,
    );
  } else {
    console.error(error);
  }
  process.exit(1);
});
