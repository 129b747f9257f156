import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { openPglite } from './pglite-database.js';

const src = dirname(dirname(fileURLToPath(import.meta.url)));

/** Every module reachable from `entry` through static and dynamic imports, with its imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
    graph.set(file, specifiers);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return graph;
}

describe('the embedded database stays off the signaling thread', () => {
  it('no module the server loads on its main thread imports PGlite', () => {
    for (const entry of ['index.ts', 'cli.ts']) {
      const graph = importGraph(join(src, entry));
      assert.ok(graph.has(join(src, 'store', 'worker-backend.ts')), 'the store is reachable');
      for (const [file, imports] of graph) {
        const pglite = imports.filter((i) => i.includes('pglite'));
        assert.deepEqual(pglite, [], `${relative(src, file)} imports ${pglite.join(', ')}`);
      }
    }
  });

  it('opening PGlite on the main thread is refused', async () => {
    await assert.rejects(openPglite({ dataDir: 'memory://' }), /store worker/);
  });
});
