import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  chatsFrom,
  connect,
  receivedCount,
  type ConnectOptions,
  type TestPeer,
  type Transport,
} from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/wait.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\n' };
const candidate = (n: number) => ({
  candidate: `candidate:${n} 1 udp 1 10.0.0.1 ${5000 + n} typ host`,
});
/** Events a room member must not see about a peer that resumes. */
const churn = ['video:user-left', 'video:user-joined', 'peer-left', 'ready', 'joined'];

for (const transport of ['socket.io', 'websocket'] as Transport[]) {
  describe(`resume after a dropped connection over ${transport}`, () => {
    let srv: TestServer;
    let shortWindow: TestServer;
    /** Pings every second (the shortest allowed), so a test sees pongs confirm what was read. */
    let fastPing: TestServer;
    const peers: TestPeer[] = [];
    const proxies: TcpProxy[] = [];
    const peer = async (url: string, options: ConnectOptions = {}) => {
      const p = await connect(transport, url, options);
      peers.push(p);
      return p;
    };
    /** A peer behind its own TCP proxy, so the test can cut its connection alone. */
    const behindProxy = async (server: TestServer, options: ConnectOptions = {}) => {
      const proxy = new TcpProxy('127.0.0.1', server.port);
      proxies.push(proxy);
      await proxy.start();
      const p = await peer(`http://127.0.0.1:${proxy.port}`, options);
      return { peer: p, proxy, url: `http://127.0.0.1:${proxy.port}` };
    };
    const enter = async (p: TestPeer, roomId: string) => {
      p.emit('video:join-room', { roomId });
      return (await p.next('video:room-state')).participants as Array<{ socketId: string }>;
    };
    /** Cuts the proxy and waits until the server has noticed (the peer is detached). */
    const drop = async (server: TestServer, proxy: TcpProxy, id: string) => {
      await proxy.cut();
      await until('the server notices the drop', () => {
        const detached = server.server.engine.local.get(id);
        return detached !== undefined && detached.transport === null;
      });
    };

    before(async () => {
      srv = await startServer();
      shortWindow = await startServer({ resumeWindow: 300 });
      fastPing = await startServer({ pingInterval: 1000 });
    });
    after(async () => {
      await Promise.all(peers.map((p) => p.close()));
      await Promise.all(proxies.map((p) => p.close()));
      await Promise.all([srv.close(), shortWindow.close(), fastPing.close()]);
    });

    it('lets go of what a pong confirmed read, and still replays what came after it', async () => {
      const { peer: a, proxy, url } = await behindProxy(fastPing);
      const b = await peer(fastPing.url);
      await enter(a, 'r9');
      await enter(b, 'r9');
      b.emit('video:offer', { to: a.id, offer });
      await a.next('video:offer');
      const log = () => fastPing.server.engine.local.get(a.id)?.log;
      await until('a pong confirms what a read', () => log()?.kept === 0);
      await drop(fastPing, proxy, a.id);
      b.emit('video:ice-candidate', { to: a.id, candidate: candidate(1) });
      await until('the candidate is kept for a', () => log()?.kept === 1);
      await proxy.restore();
      const token: string = a.welcome.resumeToken;
      const back = await peer(url, { resume: token, received: receivedCount(a) });
      assert.equal(back.id, a.id);
      assert.equal((await back.next('video:ice-candidate')).from, b.id);
    });

    it('gives the first frame a resume token bound to the peer', async () => {
      const p = await peer(srv.url);
      assert.equal(p.events.all[0]?.event, 'welcome');
      assert.match(
        p.welcome.resumeToken,
        new RegExp(`^${p.id.replace(/[-_]/g, '\\$&')}\\.[\\w-]{32}$`),
      );
      assert.equal(p.welcome.resumed, false);
      assert.equal(p.welcome.resumeWindowMs, 30000);
    });

    it('keeps id, rooms and media state, and replays exactly the missed events in order', async () => {
      const { peer: a, proxy, url } = await behindProxy(srv, { userId: 'alice' });
      const b = await peer(srv.url, { userId: 'bob' });
      await enter(a, 'r1');
      await enter(b, 'r1');
      await a.next('video:user-joined');
      a.emit('video:toggle-video', { roomId: 'r1', isVideoOff: true });
      await b.next('video:peer-video-changed');
      b.emit('video:offer', { to: a.id, offer });
      await a.next('video:offer'); // received before the drop: must not come again

      await drop(srv, proxy, a.id);
      b.emit('video:toggle-audio', { roomId: 'r1', isMuted: true });
      b.emit('video:offer', { to: a.id, offer: { type: 'offer', sdp: 'v=0\r\nmissed\r\n' } });
      for (let n = 1; n <= 3; n++)
        b.emit('video:ice-candidate', { to: a.id, candidate: candidate(n) });
      b.emit('chat:video-message', { roomId: 'r1', message: 'while you were away' });
      await b.next('chat:video-message-received');
      await proxy.restore();

      const resumed = await peer(url, {
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      assert.equal(resumed.welcome.resumed, true);
      assert.equal(resumed.id, a.id);
      assert.equal(resumed.welcome.userId, 'alice');
      const missed = [
        'video:peer-audio-changed',
        'video:offer',
        ...Array(3).fill('video:ice-candidate'),
      ];
      missed.push('chat:video-message-received');
      b.emit('video:answer', { to: a.id, answer }); // after anything replayed twice, if any
      await resumed.next('video:answer');
      assert.deepEqual(
        resumed.events.all.map((r) => r.event),
        ['welcome', ...missed, 'video:answer'],
      );
      const [, , replayedOffer, ...rest] = resumed.events.all.map((r) => r.data);
      assert.equal(replayedOffer.offer.sdp, 'v=0\r\nmissed\r\n');
      assert.deepEqual(
        rest.slice(0, 3).map((c) => c.candidate),
        [1, 2, 3].map(candidate),
      );

      // Still in the room with its media state, and relaying both ways; b saw no leave or join.
      const c = await peer(srv.url, { userId: 'carol' });
      const state = await enter(c, 'r1');
      const alice = state.find((s) => s.socketId === a.id) as unknown as { isVideoOff: boolean };
      assert.equal(alice.isVideoOff, true);
      resumed.emit('video:answer', { to: b.id, answer: { type: 'answer', sdp: 'v=0\r\n' } });
      assert.equal((await b.next('video:answer')).from, a.id);
      assert.equal(b.events.all.filter((r) => r.event === 'video:user-joined').length, 1); // c
      assert.equal(b.events.all.filter((r) => r.event === 'video:user-left').length, 0);
    });

    it('resumes a pair room without the partner seeing the peer leave', async () => {
      const { peer: a, proxy, url } = await behindProxy(srv);
      const b = await peer(srv.url);
      a.emit('join-room', { roomId: 'p1' });
      await a.next('joined');
      b.emit('join-room', { roomId: 'p1' });
      await b.next('joined');
      await a.next('ready');
      await b.next('ready');
      await drop(srv, proxy, a.id);
      b.emit('offer', { roomId: 'p1', sdp: offer });
      b.emit('ice-candidate', { roomId: 'p1', candidate: candidate(9) });
      await proxy.restore();
      const resumed = await peer(url, {
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      assert.equal((await resumed.next('offer-received')).from, b.id);
      assert.equal((await resumed.next('ice-candidate-received')).from, b.id);
      resumed.emit('answer', { roomId: 'p1', sdp: { type: 'answer', sdp: 'v=0\r\n' } });
      const answered = b.next('answer-received');
      await b.events.noneBefore(answered, churn);
      assert.equal((await answered).from, a.id);
    });

    it('takes over a connection the server still thinks is open, without losing what it swallowed', async () => {
      const a = await peer(srv.url);
      const b = await peer(srv.url);
      await enter(a, 'r2');
      await enter(b, 'r2');
      await a.next('video:user-joined');
      const received = receivedCount(a);
      // Sent on the old connection; the client pretends they were lost in a dead socket.
      b.emit('video:offer', { to: a.id, offer });
      await a.next('video:offer');
      const resumed = await peer(srv.url, { resume: a.welcome.resumeToken, received });
      assert.equal(resumed.id, a.id);
      assert.equal((await resumed.next('video:offer')).from, b.id);
      await a.next(transport === 'socket.io' ? 'disconnect' : 'close');
      b.emit('video:ice-candidate', { to: a.id, candidate: candidate(1) });
      await resumed.next('video:ice-candidate');
      resumed.emit('video:answer', { to: b.id, answer }); // after any leave or join of a
      await b.events.noneBefore(b.next('video:answer'), churn);
    });

    it('refuses a token with the wrong secret or of another user, and keeps the real peer resumable', async () => {
      const { peer: a, proxy, url } = await behindProxy(srv, { userId: 'dana' });
      await enter(a, 'r3');
      await drop(srv, proxy, a.id);
      await proxy.restore();
      const token: string = a.welcome.resumeToken;
      const forged = `${a.id}.${'A'.repeat(32)}`;
      for (const options of [{ resume: forged }, { resume: token, userId: 'mallory' }]) {
        const intruder = await peer(srv.url, options);
        assert.notEqual(intruder.id, a.id);
        assert.equal(intruder.welcome.resumed, false);
        const error = await intruder.next('error');
        assert.equal(error.code, 'resume-failed');
        assert.equal(error.event, 'resume');
      }
      const back = await peer(url, { resume: token, userId: 'dana', received: receivedCount(a) });
      assert.equal(back.id, a.id);
      assert.equal(back.welcome.resumed, true);
    });

    it('announces a peer that does not come back in time as left, once; a late resume is a new peer', async () => {
      const { peer: a, proxy, url } = await behindProxy(shortWindow, { userId: 'erin' });
      const b = await peer(shortWindow.url);
      await enter(a, 'r4');
      await enter(b, 'r4');
      await proxy.cut();
      const left = await b.next('video:user-left', 5000);
      assert.equal(left.socketId, a.id);
      await proxy.restore();
      const late = await peer(url, {
        userId: 'erin',
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      assert.notEqual(late.id, a.id);
      assert.equal(late.welcome.resumed, false);
      assert.equal(late.welcome.userId, 'erin');
      const error = await late.next('error');
      assert.equal(error.code, 'resume-failed');
      assert.match(error.message, /not back within 300 ms.*join your rooms again/);
      // Treated as new: it joins again, and b hears of it as of anyone new.
      const state = await enter(late, 'r4');
      assert.deepEqual(
        state.map((s) => s.socketId),
        [b.id],
      );
      assert.equal((await b.next('video:user-joined')).socketId, late.id);
      late.emit('video:offer', { to: b.id, offer }); // after a second leave of a, if any
      await b.events.noneBefore(b.next('video:offer'), ['video:user-left']);
    });

    it('does not resume a kicked peer', async () => {
      const a = await peer(srv.url);
      const b = await peer(srv.url);
      await enter(a, 'r5');
      await enter(b, 'r5');
      assert.equal(await srv.server.engine.kick(a.id, 'kicked by admin'), true);
      assert.equal((await b.next('video:user-left')).socketId, a.id);
      const again = await peer(srv.url, {
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      assert.equal(again.welcome.resumed, false);
      assert.equal((await again.next('error')).code, 'kicked');
      assert.equal((await again.next('kicked')).reason, 'kicked by admin');
      await again.next(transport === 'websocket' ? 'close' : 'disconnect');
    });

    it('ends a peer kicked with a reason longer than a close frame holds (123 bytes)', async () => {
      const a = await peer(srv.url);
      const b = await peer(srv.url);
      await enter(a, 'r5-long');
      await enter(b, 'r5-long');
      // 200 two-byte characters, as an admin's Kick may give (up to 200).
      const reason = 'é'.repeat(200);
      assert.equal(await srv.server.engine.kick(a.id, reason), true);
      assert.equal((await a.next('kicked')).reason, reason);
      assert.equal((await b.next('video:user-left')).socketId, a.id);
      await a.next(transport === 'websocket' ? 'close' : 'disconnect');
      await until('the peer is gone', () => !srv.server.engine.local.has(a.id));
    });

    it('kicks a peer whose client is away: left once, and its resume is told it was kicked', async () => {
      const { peer: a, proxy } = await behindProxy(srv);
      const b = await peer(srv.url);
      await enter(a, 'r5b');
      await enter(b, 'r5b');
      await a.next('video:user-joined');
      await drop(srv, proxy, a.id);
      assert.equal(await srv.server.engine.kick(a.id, 'away too long'), true);
      assert.equal((await b.next('video:user-left')).socketId, a.id);
      const again = await peer(srv.url, {
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      assert.notEqual(again.id, a.id);
      const error = await again.next('error');
      assert.equal(error.code, 'kicked');
      assert.match(error.message, /removed by an admin \(away too long\)/);
      assert.equal((await again.next('kicked')).reason, 'away too long');
      await again.next(transport === 'websocket' ? 'close' : 'disconnect');
      // The ended new connection joined nothing and nobody heard of it (a chat of b's own comes
      // after its join would have).
      await b.events.noneBefore(chatsFrom([b], 'r5b')(b), ['video:user-joined', 'video:user-left']);
      assert.equal(srv.server.engine.local.has(again.id), false);
    });

    it('ends a peer at once when its client leaves on purpose', async () => {
      const a = await peer(srv.url);
      const b = await peer(srv.url);
      await enter(a, 'r6');
      await enter(b, 'r6');
      await a.close();
      assert.equal((await b.next('video:user-left')).socketId, a.id);
    });
  });
}
