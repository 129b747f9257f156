import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildPgliteTemplate } from './pglite-database.js';
import { Store } from './store.js';

/** PostgreSQL's system identifier (the first 8 bytes of pg_control): initdb draws a new one. */
const systemId = (dataDir: string) =>
  readFileSync(join(dataDir, 'global', 'pg_control'))
    .subarray(0, 8)
    .toString('hex');

describe('a new DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-template-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts as a copy of the template the build prepared, migrated and usable', async () => {
    const template = await buildPgliteTemplate(); // `npm run build` made it already: a no-op then
    const store = await Store.open({ dataDir });
    try {
      assert.equal(systemId(dataDir), systemId(template), 'copied, no initdb of its own');
      await store.saveSetting('max_messages_per_second', '7');
      const saved = (await store.settings()).find((s) => s.key === 'max_messages_per_second');
      assert.equal(saved?.value, '7');
    } finally {
      await store.close();
    }
  });
});
