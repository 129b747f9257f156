import { AudioLevelMeter } from '../../client/src/index.js';

/** Louder than this (on the meter's 0–1 scale) counts as speaking: above room noise. */
const THRESHOLD = 0.3;
/** Speaking lasts this long after the last loud sample, so the outline does not flicker. */
const HOLD_MS = 700;

/**
 * Who is speaking: a level meter per participant's audio track on one shared AudioContext,
 * sampled five times a second; `onChange` hears when someone starts or stops.
 */
export class SpeakingWatch {
  private readonly context = new AudioContext();
  private readonly meters = new Map<
    string,
    { track: MediaStreamTrack; meter: AudioLevelMeter; loudAt: number; speaking: boolean }
  >();
  private readonly timer = setInterval(() => this.sample(), 200);

  constructor(private readonly onChange: (id: string, speaking: boolean) => void) {}

  /** Meters `track` for `id` (a new track replaces the old one; none stops metering). */
  watch(id: string, track: MediaStreamTrack | undefined): void {
    const current = this.meters.get(id);
    if (current?.track === track) return;
    this.forget(id);
    if (!track) return;
    const meter = new AudioLevelMeter(track, this.context);
    this.meters.set(id, { track, meter, loudAt: 0, speaking: false });
  }

  forget(id: string): void {
    const entry = this.meters.get(id);
    if (!entry) return;
    entry.meter.stop();
    this.meters.delete(id);
    if (entry.speaking) this.onChange(id, false);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const id of [...this.meters.keys()]) this.forget(id);
    void this.context.close().catch(() => undefined);
  }

  private sample(): void {
    const now = Date.now();
    for (const [id, entry] of this.meters) {
      if (entry.meter.level > THRESHOLD) entry.loudAt = now;
      const speaking = now - entry.loudAt < HOLD_MS;
      if (speaking !== entry.speaking) {
        entry.speaking = speaking;
        this.onChange(id, speaking);
      }
    }
  }
}
