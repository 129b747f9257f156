#!/usr/bin/env node
import { storeApi } from './api/extension.js';
import { ConfigError, helpText, loadConfig, loadEnvFile } from './config/config.js';
import { tokenCommand, tokenUsage } from './auth/token-command.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'token') {
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
  // Persistence and the REST + SSE API (DATA_DIR or DATABASE_URL).
  const server = await createServer({ ...config, extensions: [storeApi()] });
  const { url } = await server.listen();
  server.logger.info(
    { url, socketIo: url, websocket: `${url.replace(/^http/, 'ws')}/ws` },
    `sinyal listening on ${url}`,
  );
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
