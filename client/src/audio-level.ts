/**
 * The loudness of a microphone track, for a level meter or a speaking indicator: an
 * `AnalyserNode` read on demand (no timer of its own; the caller samples it per frame).
 */
export class AudioLevelMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly samples: Float32Array<ArrayBuffer>;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly resume = () => void this.context.resume().catch(() => undefined);

  /** `context`: one shared by many meters (kept open by `stop()`); else the meter's own. */
  constructor(
    track: MediaStreamTrack,
    private readonly shared?: AudioContext,
  ) {
    this.context = shared ?? new AudioContext();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 512;
    this.samples = new Float32Array(this.analyser.fftSize);
    this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    this.source.connect(this.analyser);
    // Browsers start an AudioContext suspended until the page is used: the first click or key
    // lets the meter run.
    this.resume();
    for (const type of ['pointerdown', 'keydown'] as const) {
      document.addEventListener(type, this.resume, { capture: true });
    }
  }

  /** The current level, 0 (silence or a disabled track) to 1 (full scale), from the RMS. */
  get level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const x of this.samples) sum += x * x;
    const rms = Math.sqrt(sum / this.samples.length);
    // Speech sits around 0.01–0.2 RMS: a square root spreads it over the meter.
    return Math.min(1, Math.sqrt(rms * 4));
  }

  stop(): void {
    for (const type of ['pointerdown', 'keydown'] as const) {
      document.removeEventListener(type, this.resume, { capture: true });
    }
    this.source.disconnect();
    if (!this.shared) void this.context.close().catch(() => undefined);
  }
}
