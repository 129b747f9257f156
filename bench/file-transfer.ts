/**
 * File transfer through the demo's data channel, on loopback: two demo pages in Chromium join one
 * room of a real sinyal server, one sends a file of random bytes with the SDK's `sendFile` (the
 * demo's chat panel shows the progress as it does for a picked file), the other receives it.
 * Prints MB/s from the send call to the receiver's `file` event, and checks the bytes' SHA-256.
 *
 *   node --import tsx bench/file-transfer.ts [--mb 50] [--runs 3] [--camera-off]
 *
 * See docs/benchmarks.md. Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { parseArgs } from 'node:util';
import { joinDemo, launchBrowser, startDemoServer } from '../test/e2e/helpers/browser.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    'camera-off': { type: 'boolean', default: false },
  },
});
const size = Number(values.mb) * 1e6;
const runs = Number(values.runs);
const cameraOff = values['camera-off'];

const [browser, srv] = await Promise.all([launchBrowser(), startDemoServer()]);
try {
  const a = await joinDemo(browser, srv.url, 'bench-files', 'Sender', { cameraOff });
  const b = await joinDemo(browser, srv.url, 'bench-files', 'Receiver', { cameraOff });
  for (const { page } of [a, b]) {
    await page.waitForFunction(
      () => [...window.sinyal!.peers.values()][0]?.pc.sctp?.state === 'connected',
    );
  }
  await b.page.evaluate(() => {
    const w = window as unknown as { got: Array<{ at: number; blob: Blob; intact: boolean }> };
    w.got = [];
    window.sinyal!.on('file', (f) =>
      w.got.push({ at: Date.now(), blob: f.blob, intact: f.intact }),
    );
  });
  const rates: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const sent = await a.page.evaluate(async (size) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      const file = new File([bytes], 'random.bin');
      const started = Date.now(); // the epoch clock: the receiving page shares it
      const sha256 = await window.sinyal!.sendFile(file);
      const pc = [...window.sinyal!.peers.values()][0]!.pc;
      return { started, sha256, chunk: pc.sctp?.maxMessageSize ?? 0 };
    }, size);
    await b.page.waitForFunction(
      (n) => (window as unknown as { got: unknown[] }).got.length >= n,
      run,
      {
        timeout: 600_000,
        polling: 50,
      },
    );
    const got = await b.page.evaluate(async (run) => {
      const file = (
        window as unknown as { got: Array<{ at: number; blob: Blob; intact: boolean }> }
      ).got[run - 1]!;
      const digest = await crypto.subtle.digest('SHA-256', await file.blob.arrayBuffer());
      const hex = [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('');
      return { at: file.at, sha256: hex, size: file.blob.size, intact: file.intact };
    }, run);
    if (got.sha256 !== sent.sha256 || got.size !== size || !got.intact) {
      throw new Error(`run ${run}: the received file differs from the sent one`);
    }
    const seconds = (got.at - sent.started) / 1000;
    const rate = size / 1e6 / seconds;
    rates.push(rate);
    console.error(
      `run ${run}: ${values.mb} MB in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} MB/s ` +
        `(SCTP maxMessageSize ${sent.chunk} B, SHA-256 equal)`,
    );
  }
  const sorted = [...rates].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `file transfer, ${values.mb} MB, ${cameraOff ? 'camera off' : 'video on'}: median ` +
      `${median.toFixed(1)} MB/s (min ${sorted[0]!.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)}, ${runs} runs)`,
  );
  await Promise.all([a.context.close(), b.context.close()]);
} finally {
  await browser.close();
  await srv.stop();
}
