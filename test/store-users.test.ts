import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connectSocketIo } from './helpers/clients.js';
import { startServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

describe('users in the history (embedded PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-users-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes a users row for a user with a name, none for a guest or a bare id', async () => {
    const api = storeApi();
    const srv = await startServer({ dataDir, extensions: [api] });
    try {
      const query = (text: string) => api.store!.backend.queries.rawQuery(text);
      const guest = await connectSocketIo(srv.url);
      const bare = await connectSocketIo(srv.url, { userId: 'bare-id' });
      const named = await connectSocketIo(srv.url, { userId: 'ada', name: 'Ada L' });
      const ids = [guest.id, bare.id, named.id].map((id) => `'${id}'`).join(', ');
      await until(
        'the three connections are written',
        async () =>
          (await query(`select id from connections where id in (${ids})`)).length === 3 &&
          (await query(`select id from event_logs where type = 'connect' and peer_id in (${ids})`))
            .length === 3,
        20_000,
      );
      const users = await query('select id, name from users order by id');
      assert.deepEqual(users, [{ id: 'ada', name: 'Ada L' }]);
      // The guest is still in the history, by its connection and its log rows.
      const [connection] = await query(`select user_id from connections where id = '${guest.id}'`);
      assert.match(String(connection?.user_id), /^guest-/);
      await Promise.all([guest, bare, named].map((p) => p.close()));
    } finally {
      await srv.close();
    }
  });
});
