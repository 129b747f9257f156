import assert from 'node:assert/strict';
import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { attach } from '../src/server.js';
import { connectPeerjs } from './helpers/peerjs.js';

describe('PeerJS on attach() to an existing http.Server', () => {
  it('serves {path}/{key}/id, /peers and the socket beside the host application', async () => {
    const host = createNodeServer((req, res) => {
      res.writeHead(req.url === '/app' ? 200 : 404).end(req.url === '/app' ? 'host app' : '');
    });
    const sinyal = await attach(host, { logLevel: 'silent', peerjsAllowDiscovery: true });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    try {
      // As `new Peer()` does without an id: it asks the server for one.
      const idReply = await fetch(`${url}/peerjs/peerjs/id`);
      assert.equal(idReply.status, 200);
      assert.match(idReply.headers.get('content-type') ?? '', /^text\/plain/);
      const id = await idReply.text();
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal((await fetch(`${url}/peerjs/wrong-key/id`)).status, 401);
      const a = await connectPeerjs(url, { id });
      const b = await connectPeerjs(url);
      a.send({ type: 'OFFER', dst: b.id, payload: { connectionId: 'dc_1', sdp: {} } });
      assert.equal((await b.messages.next('OFFER')).src, id);
      const peers = (await (await fetch(`${url}/peerjs/peerjs/peers`)).json()) as string[];
      assert.deepEqual(peers.sort(), [a.id, b.id].sort());
      // Everything else is still the host's.
      assert.equal(await (await fetch(`${url}/app`)).text(), 'host app');
      assert.equal((await fetch(`${url}/peerjs/peerjs/other`)).status, 404);
      await a.close();
      await b.close();
    } finally {
      await sinyal.close();
      host.closeAllConnections();
      await new Promise((r) => host.close(r));
    }
  });
});
