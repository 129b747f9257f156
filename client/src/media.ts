import type { MediaKind } from './types.js';

/**
 * The local camera, microphone and screen. The outgoing video is the screen while sharing, else
 * the camera; every change goes out through `onTrack` so the client can `replaceTrack` on peers.
 */
export class LocalMedia {
  /** What the local preview shows and peers receive: mic + camera or screen. */
  readonly stream = new MediaStream();
  camera?: MediaStreamTrack;
  microphone?: MediaStreamTrack;
  screen?: MediaStreamTrack;
  isMuted = false;
  isVideoOff = false;
  /** The camera stopped by camera-off, to open again on camera-on ('' = default device). */
  private cameraDeviceId: string | undefined;

  constructor(
    private readonly onTrack: (kind: MediaKind, track: MediaStreamTrack | null) => Promise<void>,
    private readonly onScreenEnded: () => void,
  ) {}

  get isSharingScreen(): boolean {
    return Boolean(this.screen);
  }

  get audio(): MediaStreamTrack | undefined {
    return this.microphone;
  }

  get video(): MediaStreamTrack | undefined {
    return this.screen ?? this.camera;
  }

  /**
   * Opens camera and/or microphone (use an existing stream instead with `useStream`). With the
   * camera off (`setVideoOff(true)` first, e.g. "join with camera off") the camera stays closed:
   * its device is only remembered for camera-on.
   */
  async start(constraints: MediaStreamConstraints = { audio: true, video: true }): Promise<void> {
    if (this.isVideoOff && constraints.video) {
      const { video } = constraints;
      this.cameraDeviceId = deviceIdOf(typeof video === 'object' ? video.deviceId : undefined);
      if (!constraints.audio) return;
      constraints = { ...constraints, video: false };
    }
    this.useStream(await navigator.mediaDevices.getUserMedia(constraints));
  }

  useStream(stream: MediaStream): void {
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];
    if (audio) this.set('audio', audio);
    if (video && this.isVideoOff) {
      this.cameraDeviceId = video.getSettings().deviceId ?? '';
      video.stop();
    } else if (video) this.set('video', video);
  }

  async setMuted(muted: boolean): Promise<void> {
    this.isMuted = muted;
    if (this.microphone) this.microphone.enabled = !muted;
  }

  /**
   * Camera off stops the camera track, so the device (and its light) is released; peers keep
   * the transceiver with no track. Camera on opens the same device again and sends it with
   * `replaceTrack`: no renegotiation either way.
   */
  async setVideoOff(off: boolean): Promise<void> {
    if (off === this.isVideoOff) return;
    this.isVideoOff = off;
    if (off) {
      const camera = this.camera;
      if (!camera) return;
      this.cameraDeviceId = camera.getSettings().deviceId ?? '';
      this.camera = undefined;
      if (!this.screen) {
        this.stream.removeTrack(camera);
        await this.onTrack('video', null);
      }
      camera.stop();
      return;
    }
    const deviceId = this.cameraDeviceId;
    if (deviceId === undefined) return; // there was no camera to turn back on
    this.cameraDeviceId = undefined;
    // `exact`: with `ideal` a browser may prefer another camera; one that is gone gives way to
    // the default camera.
    const open = (video: MediaTrackConstraints | true) =>
      navigator.mediaDevices.getUserMedia({ video });
    const stream = deviceId
      ? await open({ deviceId: { exact: deviceId } }).catch(() => open(true))
      : await open(true);
    const track = stream.getVideoTracks()[0];
    if (!track) throw new Error('The camera gave no video track');
    if (this.isVideoOff) {
      track.stop(); // turned off again while the camera was opening
      return;
    }
    this.set('video', track);
    if (!this.screen) await this.onTrack('video', track);
  }

  /** Switches camera or microphone mid-call (replaceTrack on every peer, no renegotiation). */
  async switchDevice(kind: MediaKind, deviceId: string): Promise<void> {
    const constraints = { [kind]: { deviceId: { exact: deviceId } } } as MediaStreamConstraints;
    const fresh = await navigator.mediaDevices.getUserMedia(constraints);
    const track = kind === 'audio' ? fresh.getAudioTracks()[0] : fresh.getVideoTracks()[0];
    if (!track) throw new Error(`No ${kind} track from device ${deviceId}`);
    if (kind === 'video' && this.isVideoOff) {
      // Camera off: remember the choice for camera-on, keep the device closed.
      this.cameraDeviceId = track.getSettings().deviceId ?? deviceId;
      track.stop();
      return;
    }
    const old = kind === 'audio' ? this.microphone : this.camera;
    this.set(kind, track);
    if (kind === 'audio') track.enabled = !this.isMuted;
    if (kind === 'audio' || !this.screen) await this.onTrack(kind, track);
    old?.stop();
  }

  /** Sends the screen (or the given stream's video, e.g. a canvas) instead of the camera. */
  async startScreenShare(source?: MediaStream): Promise<void> {
    const stream = source ?? (await navigator.mediaDevices.getDisplayMedia({ video: true }));
    const track = stream.getVideoTracks()[0];
    if (!track) throw new Error('The shared screen has no video track');
    const previous = this.screen;
    this.screen = track;
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener('ended', () => {
      if (this.screen === track) this.onScreenEnded();
    });
    this.showVideo(track);
    await this.onTrack('video', track);
    previous?.stop();
  }

  async stopScreenShare(): Promise<void> {
    const screen = this.screen;
    if (!screen) return;
    this.screen = undefined;
    if (this.camera) this.showVideo(this.camera);
    else if (screen) this.stream.removeTrack(screen);
    await this.onTrack('video', this.camera ?? null);
    screen.stop();
  }

  stop(): void {
    this.cameraDeviceId = undefined;
    for (const track of [this.microphone, this.camera, this.screen]) track?.stop();
    for (const track of this.stream.getTracks()) this.stream.removeTrack(track);
    this.microphone = this.camera = this.screen = undefined;
  }

  private set(kind: MediaKind, track: MediaStreamTrack): void {
    if (kind === 'audio') {
      if (this.microphone) this.stream.removeTrack(this.microphone);
      this.microphone = track;
      track.enabled = !this.isMuted;
      this.stream.addTrack(track);
    } else {
      this.camera = track;
      if (!this.screen) this.showVideo(track);
    }
  }

  private showVideo(track: MediaStreamTrack): void {
    for (const old of this.stream.getVideoTracks()) this.stream.removeTrack(old);
    this.stream.addTrack(track);
  }
}

/** The device id a `deviceId` constraint asks for ('' = the default device). */
function deviceIdOf(constraint: ConstrainDOMString | undefined): string {
  if (typeof constraint === 'string') return constraint;
  if (!constraint || Array.isArray(constraint)) return '';
  const value = (constraint as ConstrainDOMStringParameters).exact ?? constraint.ideal;
  return typeof value === 'string' ? value : '';
}
