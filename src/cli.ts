#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, helpText, loadConfig, loadEnvFile } from './config/config.js';
import { createLogger } from './logger.js';
import { startupSummary } from './startup-summary.js';

/** The subcommands, as `--help` lists them (`npx sinyal` in a clone, `sinyal` once installed). */
const commandsHelp = `Usage: sinyal [--flag value ...]     start the server (npm start runs this)
       sinyal token --user ID [...]   print an access token (sinyal token --help)
       sinyal --version               print the version
       sinyal --help                  this text

In a clone, run them as \`npx sinyal ...\` after \`npm run build\` (\`npm start\` builds first).`;

/** The version in the package.json above this file (dist/src/cli.js or src/cli.ts). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'sinyal') return manifest.version ?? 'unknown';
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/**
 * How far V8 lets the old generation grow past what its last full collection kept before it
 * collects again. Left to itself V8 picks up to 4× on a fast machine; a signaling server's live
 * heap is mostly its peers (10,000 Socket.IO peers keep ~175 MB), so in the 10,000-peer soak RSS
 * climbed from 400 to 740 MB between full collections. At 40 % it stayed near 465 MB, with more
 * frequent full collections (marked concurrently on helper threads). Only the standalone server
 * sets it: an app that embeds sinyal keeps its own V8 settings. A `--heap-growing-percent` (or
 * `--heap_growing_percent`) given to node wins.
 * @default 40
 */
const HEAP_GROWING_PERCENT = 40;

function boundHeapGrowth(): void {
  if (process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent/.test(flag))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'token') {
    const { tokenCommand, tokenUsage } = await import('./auth/token-command.js');
    if (argv.includes('--help') || argv.includes('-h')) return console.log(tokenUsage);
    loadEnvFile();
    console.log(await tokenCommand(argv.slice(1), loadConfig([])));
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) return console.log(`sinyal ${version()}`);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${commandsHelp}\n\n${helpText()}`);
    return;
  }
  loadEnvFile();
  const config = loadConfig(argv);
  boundHeapGrowth();
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
