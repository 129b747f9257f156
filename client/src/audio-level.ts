/** The slice of audio one loudness value is taken over: about 10 ms, the length of a syllable's attack. */
const SLICE = 512;

/**
 * The loudness of a microphone track, for a level meter or a speaking indicator: an
 * `AnalyserNode` read on demand (no timer of its own; the caller samples it per frame or on an
 * interval).
 *
 * A read reports the loudest ~10 ms slice of the last `windowMs` of audio, not the instant: a
 * caller that reads every 200 ms would otherwise see 10 ms of every 200 and miss a short sound
 * (a click, a plosive, the short test beep of Chromium's fake microphone) whenever its reads fall between them.
 */
export class AudioLevelMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly samples: Float32Array<ArrayBuffer>;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly resume = () => void this.context.resume().catch(() => undefined);

  /**
   * `context`: one shared by many meters (kept open by `stop()`); else the meter's own.
   * `windowMs`: how much past audio a read covers; at least the time between two reads.
   * @default 350, longer than the demo's 200 ms speaking checks; analysers hold at most 32,768 samples.
   */
  constructor(
    track: MediaStreamTrack,
    private readonly shared?: AudioContext,
    windowMs = 350,
  ) {
    this.context = shared ?? new AudioContext();
    this.analyser = this.context.createAnalyser();
    const wanted = (windowMs / 1000) * this.context.sampleRate;
    this.analyser.fftSize = Math.min(32_768, Math.max(SLICE, 2 ** Math.ceil(Math.log2(wanted))));
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

  /** The loudest recent level, 0 (silence or a disabled track) to 1 (full scale), from the RMS. */
  get level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    let loudest = 0;
    for (let start = 0; start < this.samples.length; start += SLICE) {
      let sum = 0;
      for (let i = start; i < start + SLICE; i++) sum += this.samples[i]! * this.samples[i]!;
      loudest = Math.max(loudest, sum / SLICE);
    }
    const rms = Math.sqrt(loudest);
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
