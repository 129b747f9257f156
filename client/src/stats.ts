import type { PeerStatsSummary } from './types.js';

interface Sample {
  at: number;
  bytesIn: number;
  bytesOut: number;
}

interface Rtc {
  type: string;
  kind?: string;
  [key: string]: unknown;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

function quality(
  rttMs: number | undefined,
  loss: number,
  connected: boolean,
): PeerStatsSummary['quality'] {
  if (!connected) return 'unknown';
  if (loss > 8 || (rttMs ?? 0) > 400) return 'poor';
  if (loss > 2 || (rttMs ?? 0) > 150) return 'fair';
  return 'good';
}

/** Boils `getStats()` down to what a call UI shows; bitrates come from the previous sample. */
export class StatsSampler {
  private previous?: Sample;

  constructor(
    readonly peerId: string,
    private readonly pc: RTCPeerConnection,
  ) {}

  async sample(): Promise<PeerStatsSummary> {
    const report = await this.pc.getStats();
    let bytesIn = 0;
    let bytesOut = 0;
    let packetsLost = 0;
    let packetsReceived = 0;
    let framesDecoded = 0;
    let video: Rtc | undefined;
    let rttMs: number | undefined;
    const pairs: Rtc[] = [];
    let selectedPairId: string | undefined;
    report.forEach((stat: Rtc) => {
      if (stat.type === 'inbound-rtp') {
        bytesIn += num(stat.bytesReceived);
        packetsLost += Math.max(0, num(stat.packetsLost));
        packetsReceived += num(stat.packetsReceived);
        if (stat.kind === 'video') {
          framesDecoded += num(stat.framesDecoded);
          if (!video || num(stat.framesDecoded) > num(video.framesDecoded)) video = stat;
        }
      } else if (stat.type === 'outbound-rtp') {
        bytesOut += num(stat.bytesSent);
      } else if (stat.type === 'candidate-pair') {
        pairs.push(stat);
      } else if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
        selectedPairId = stat.selectedCandidatePairId;
      }
    });
    const pair =
      pairs.find((p) => p.id === selectedPairId) ??
      pairs.find((p) => p.nominated && p.state === 'succeeded');
    if (pair && typeof pair.currentRoundTripTime === 'number') {
      rttMs = Math.round(pair.currentRoundTripTime * 1000);
    }
    const now = performance.now();
    const previous = this.previous;
    this.previous = { at: now, bytesIn, bytesOut };
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    const kbps = (bytes: number, before = 0) =>
      seconds > 0 ? Math.max(0, Math.round(((bytes - before) * 8) / 1000 / seconds)) : 0;
    const total = packetsLost + packetsReceived;
    const packetLossPercent = total ? Math.round((packetsLost / total) * 1000) / 10 : 0;
    return {
      peerId: this.peerId,
      rttMs,
      inboundKbps: kbps(bytesIn, previous?.bytesIn),
      outboundKbps: kbps(bytesOut, previous?.bytesOut),
      packetLossPercent,
      framesDecoded,
      framesPerSecond: video ? num(video.framesPerSecond) : undefined,
      frameWidth: video ? num(video.frameWidth) || undefined : undefined,
      frameHeight: video ? num(video.frameHeight) || undefined : undefined,
      quality: quality(rttMs, packetLossPercent, this.pc.connectionState === 'connected'),
      timestamp: Date.now(),
    };
  }
}
