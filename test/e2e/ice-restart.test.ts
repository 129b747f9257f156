import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import {
  assertMedia,
  newPage,
  peerMedia,
  POLL,
  skipReason,
  useBrowserSuite,
  waitForCall,
} from './helpers/browser.js';
import { startTurn, turnSkipReason, type TurnServer } from './helpers/turn.js';

/** A network where only TURN gets through: every RTCPeerConnection of the page relays. */
const RELAY_ONLY = `{
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config, ...rest) { super({ ...config, iceTransportPolicy: 'relay' }, ...rest); }
  };
}`;

/** Video frames decoded so far on the page's only connection. */
const framesOf = async (page: Page) => (await peerMedia(page))[0]?.frames ?? 0;

interface LinkState {
  id: string;
  /** Every connectionState since the watch began. */
  states: string[];
  restarts: { failed: number; disconnected: number };
  samePc: boolean;
  localUfrag: string | undefined;
  remoteUfrag: string | undefined;
  localCandidate: string | undefined;
}

/** Remembers the page's peer connections and records their connection states from now on. */
function watchLinks(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const states: Record<string, string[]> = {};
    w.linkStates = states;
    w.pcsBefore = new Map(window.__pcs!());
    for (const [id, pc] of window.__pcs!()) {
      states[id] = [];
      pc.addEventListener('connectionstatechange', () => states[id]!.push(pc.connectionState));
    }
  });
}

/** What each link went through, its ICE credentials now and the kind of its local candidate. */
function links(page: Page): Promise<LinkState[]> {
  return page.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const before = w.pcsBefore as Map<string, RTCPeerConnection>;
    const ufrag = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
    const sdk = window.sinyal as unknown as {
      peers: Map<string, { iceRestarts: { failed: number; disconnected: number } }>;
    };
    const out = [];
    for (const [id, pc] of window.__pcs!()) {
      let localCandidate: string | undefined;
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
        const pair = stats.get(s.selectedCandidatePairId) as { localCandidateId: string };
        localCandidate = (stats.get(pair.localCandidateId) as { candidateType: string })
          .candidateType;
      });
      out.push({
        id,
        states: (w.linkStates as Record<string, string[]>)[id] ?? [],
        restarts: { ...sdk.peers.get(id)!.iceRestarts },
        samePc: before.get(id) === pc,
        localUfrag: ufrag(pc.localDescription?.sdp),
        remoteUfrag: ufrag(pc.remoteDescription?.sdp),
        localCandidate,
      });
    }
    return out;
  });
}

/**
 * ICE restart on a real failure: two Chromium pages that can only relay through a real coturn
 * (TURN REST credentials from `TURN_SECRET`). Killing coturn ends every allocation, so media
 * stops and the connections go `failed`; with coturn back, the SDK's own ICE restart brings
 * media back on the same RTCPeerConnection objects and peer ids, without any signaling drop.
 */
describe(
  'ICE restart after a failed connection in Chromium (relay only, coturn)',
  { skip: skipReason ?? turnSkipReason, timeout: 240_000 },
  () => {
    const suite = useBrowserSuite();
    let turn: TurnServer | undefined;
    let srv: TestServer | undefined;
    before(async () => {
      turn = await startTurn();
      srv = await startServer({
        publicDir: suite.srv.publicDir,
        stunUrls: [],
        turnUrls: [turn.url],
        turnSecret: turn.secret,
      });
    });
    after(async () => {
      await srv?.close();
      await turn?.stop();
    });

    async function join(name: string): Promise<{ page: Page; id: string }> {
      const { context, page } = await newPage(suite.browser);
      suite.track(context);
      await context.addInitScript(RELAY_ONLY);
      await page.goto(`${srv!.url}/?${new URLSearchParams({ room: 'ice-restart', name })}`);
      await waitForCall(page, `${name} joining over TURN`);
      return { page, id: await page.evaluate(() => window.sinyal!.id!) };
    }

    it('restarts ICE by itself when media fails, on the same connections and peer ids', async () => {
      const people = [await join('Ada'), await join('Grace')];
      const other = (i: number) => people[1 - i]!.id;
      await Promise.all(people.map((p, i) => assertMedia(p.page, [other(i)], 30_000)));
      await Promise.all(people.map((p) => watchLinks(p.page)));
      const before = await Promise.all(people.map((p) => links(p.page)));
      for (const [link] of before) assert.equal(link!.localCandidate, 'relay', 'relayed media');

      const killedAt = Date.now();
      await turn!.stop();
      // No relay, no media: each side's connection fails (Chromium's consent checks give up).
      for (const p of people) {
        await p.page.waitForFunction(
          () =>
            Object.values(
              (window as unknown as { linkStates: Record<string, string[]> }).linkStates,
            ).every((states) => states.includes('failed')),
          undefined,
          { ...POLL, timeout: 90_000 },
        );
      }
      const failedAfter = Date.now() - killedAt;
      const stalled = await Promise.all(people.map((p) => framesOf(p.page)));
      await turn!.start();

      // Decoding again (the restarted connection needs a new key frame first), then steadily.
      await Promise.all(
        people.map((p, i) =>
          until(
            `frames rise on page ${i}`,
            async () => (await framesOf(p.page)) > stalled[i]!,
            60_000,
          ),
        ),
      );
      await Promise.all(people.map((p, i) => assertMedia(p.page, [other(i)], 30_000)));
      const now = await Promise.all(people.map((p) => links(p.page)));
      const restartsOnFailure = now.flat().reduce((n, l) => n + l.restarts.failed, 0);
      const timeline = JSON.stringify({ failedAfter, before, now });
      assert.ok(restartsOnFailure >= 1, `an ICE restart on 'failed': ${timeline}`);
      now.forEach(([link], i) => {
        assert.equal(link!.id, other(i), 'the same peer id');
        assert.ok(link!.samePc, `the same RTCPeerConnection: ${timeline}`);
        assert.equal(link!.states.at(-1), 'connected', timeline);
        assert.equal(link!.localCandidate, 'relay', timeline);
        // New ICE credentials on both ends: a restart, not the old session coming back.
        assert.notEqual(link!.localUfrag, before[i]![0]!.localUfrag, timeline);
        assert.notEqual(link!.remoteUfrag, before[i]![0]!.remoteUfrag, timeline);
      });
      // Signaling was never interrupted: the same peers, still connected to the server.
      for (const [i, p] of people.entries()) {
        assert.equal(await p.page.evaluate(() => window.sinyal!.id), p.id);
        assert.equal(await p.page.evaluate(() => window.sinyal!.signalingState), 'connected');
        assert.equal((await peerMedia(p.page)).length, 1, `one connection on page ${i}`);
      }
    });
  },
);
