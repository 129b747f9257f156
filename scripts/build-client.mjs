#!/usr/bin/env node
// Bundles the browser SDK (client/), its SSE client and the demo call app (web/) as ESM into dist/public,
// which the server serves at `/` and `/assets/*`. `npm run build` runs it after tsc.
// Usage: node scripts/build-client.mjs [outDir]
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Builds both bundles into `outDir` (default dist/public); resolves to the folder. */
export async function buildClient(outDir = join(root, 'dist/public'), { minify = true } = {}) {
  const out = resolve(outDir);
  await mkdir(join(out, 'assets'), { recursive: true });
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify,
    sourcemap: true,
    logLevel: 'warning',
    legalComments: 'none',
  };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: {
        'sinyal-client': join(root, 'client/src/index.ts'),
        // The SSE + REST client alone, for pages that do not hold a WebSocket.
        'sinyal-sse': join(root, 'client/src/sse/sse-client.ts'),
      },
      outdir: join(out, 'assets'),
    }),
    esbuild.build({
      ...common,
      entryPoints: [
        { in: join(root, 'web/src/main.ts'), out: 'app' },
        { in: join(root, 'web/styles.css'), out: 'app' },
      ],
      outdir: join(out, 'assets'),
    }),
  ]);
  await copyFile(join(root, 'web/index.html'), join(out, 'index.html'));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildClient(process.argv[2]);
  console.log(`client SDK and demo built into ${out}`);
}
