import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOutboundEventName, isServerEventName, PEERJS_MESSAGE, reaches } from './outbound.js';
import type { PeerSink } from './types.js';

describe('outbound events', () => {
  it('knows the client events and the internal ones apart', () => {
    assert.equal(isServerEventName('video:offer'), true);
    assert.equal(isServerEventName(PEERJS_MESSAGE), false);
    assert.equal(isOutboundEventName(PEERJS_MESSAGE), true);
    for (const name of ['made-up', 'toString', '__proto__', '', 1, null]) {
      assert.equal(isOutboundEventName(name), false, String(name));
    }
  });

  it('hands a PeerJS frame to PeerJS peers only, and client events to every transport', () => {
    for (const transport of ['socket.io', 'websocket', 'sse', 'peerjs'] as const) {
      assert.equal(reaches('kicked', transport), true);
      assert.equal(reaches(PEERJS_MESSAGE, transport), transport === 'peerjs');
    }
  });

  it('types what a sink is handed (checked by the compiler, run here)', () => {
    const sent: string[] = [];
    const sink: PeerSink = { emit: (event) => sent.push(event), disconnect() {} };
    sink.emit('kicked', { reason: 'admin' });
    sink.emit(PEERJS_MESSAGE, { type: 'LEAVE', src: 'a', dst: 'b' });
    // @ts-expect-error: not an event the server sends
    sink.emit('video:offr', { from: 'a', offer: { type: 'offer' } });
    // @ts-expect-error: `kicked` carries a reason, not a message
    sink.emit('kicked', { message: 'admin' });
    // @ts-expect-error: an error's code is one of the refusal codes
    sink.emit('error', { message: 'no', code: 'made-up' });
    assert.deepEqual(sent, ['kicked', PEERJS_MESSAGE, 'video:offr', 'kicked', 'error']);
  });
});
