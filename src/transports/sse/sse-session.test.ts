import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEventId, SseSession } from './sse-session.js';

const token = `peer-1.${'s'.repeat(32)}`;
const welcome = (resumed: boolean) => ({ socketId: 'peer-1', resumeToken: token, resumed });
const frames = (session: SseSession) => session.early!.map((f) => /^id: (.*)$/m.exec(f)![1]);

describe('SseSession: event ids carry the engine resume token and count', () => {
  it('numbers connected 1 and the engine events after it; the ids keep the connection', () => {
    const session = new SseSession(1e6, undefined);
    session.send('welcome', welcome(false));
    session.send('video:offer', { n: 1 });
    session.send('broadcast', { n: 2 });
    assert.deepEqual(frames(session), [`${token}:1`, `${token}:2`, `${token}:3`]);
    assert.deepEqual(parseEventId(`${token}:3`), { lastEventId: `${token}:3`, token, seq: 3 });
    const again = new SseSession(1e6, parseEventId(`${token}:3`));
    again.send('welcome', welcome(true));
    again.send('video:answer', {});
    assert.equal(again.id, session.id, 'the same connection id after a resume');
    assert.equal(again.token, session.token);
    assert.deepEqual(frames(again), [`${token}:3`, `${token}:4`], 'connected repeats the last id');
  });

  it('starts over at 1 when the resume was refused', () => {
    const session = new SseSession(1e6, parseEventId(`${token}:9`));
    session.send('welcome', { socketId: 'peer-2', resumed: false });
    assert.match(frames(session)[0]!, /:1$/);
  });

  it('rejects malformed ids', () => {
    for (const bad of ['', '5', 'a:b:c', `${token}:-1`, `${token}:1x`, ':1']) {
      assert.equal(parseEventId(bad), undefined, bad);
    }
  });
});
