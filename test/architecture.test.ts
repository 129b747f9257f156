import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const src = join(dirname(dirname(fileURLToPath(import.meta.url))), 'src');

/**
 * The layers of `src/`, lowest first (docs/architecture.md): a module may import its own layer
 * and the ones before it, never one after it. A folder or top-level file missing here fails the
 * test, so a new one is placed on purpose.
 */
const layers = [
  'logger.ts',
  'protocol',
  'config',
  'cluster',
  'engine',
  'auth',
  'store',
  'webhooks',
  'http',
  'transports',
  'extension.ts',
  'api',
  'sdk',
  'server-shutdown.ts',
  'server.ts',
  'startup-summary.ts',
  'index.ts',
  'cli.ts',
];

/** Every non-test module of `src/`, relative to it. */
function modules(dir = src, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) modules(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'test-kit.ts') {
      out.push(relative(src, path));
    }
  }
  return out;
}

/** A module's relative imports (static, re-exports, type-only and dynamic), resolved to modules. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(src, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) =>
    relative(src, join(src, dirname(file), m[1]!.replace(/\.js$/, '.ts'))),
  );
}

const layerOf = (file: string): string => file.split(sep)[0]!;

const graph = new Map(modules().map((file) => [file, importsOf(file)]));

describe('the layers of src/', () => {
  it('places every folder and top-level module in the layer order', () => {
    const unplaced = [...new Set([...graph.keys()].map(layerOf))].filter(
      (l) => !layers.includes(l),
    );
    assert.deepEqual(unplaced, [], 'add them to `layers` in test/architecture.test.ts');
  });

  it('imports point down the layers, never up', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        if (layers.indexOf(layerOf(target)) > layers.indexOf(layerOf(file))) {
          upward.push(`${file} -> ${target}`);
        }
      }
    }
    assert.deepEqual(upward, []);
  });

  it('has no import circle between modules', () => {
    const cycles: string[] = [];
    const done = new Set<string>();
    const stack: string[] = [];
    const visit = (file: string) => {
      const at = stack.indexOf(file);
      if (at >= 0) return void cycles.push([...stack.slice(at), file].join(' -> '));
      if (done.has(file) || !graph.has(file)) return;
      stack.push(file);
      for (const target of graph.get(file)!) visit(target);
      stack.pop();
      done.add(file);
    };
    for (const file of graph.keys()) visit(file);
    assert.deepEqual(cycles, []);
  });

  it('keeps transport adapters under 200 lines and the engine under 400', () => {
    const lines = (file: string) => readFileSync(join(src, file), 'utf8').split('\n').length - 1;
    const long = [...graph.keys()]
      .filter((file) => file.startsWith(`transports${sep}`) && lines(file) > 200)
      .concat(lines(join('engine', 'engine.ts')) >= 400 ? [join('engine', 'engine.ts')] : []);
    assert.deepEqual(long, []);
  });

  it('sees the imports it checks', () => {
    // A parser that found nothing would pass the two tests above on any code.
    assert.ok(graph.get(join('engine', 'engine.ts'))!.includes(join('cluster', 'cluster.ts')));
    assert.ok(graph.size > 100);
  });
});
