import type { IncomingMessage } from 'node:http';
import { addressOf, authenticate, type HandshakeAuth, type Identity } from '../../auth/identity.js';
import type { Engine } from '../../engine/engine.js';
import { SignalError } from '../../engine/signal-error.js';
import type { OriginRule } from '../../http/origin.js';
import { Connection, type ConnectionSettings, type TransportSocket } from './connection.js';
import {
  openPeer,
  prepareResume,
  type PreparedResume,
  type ResumeRequest,
} from './resume-handshake.js';

/** What a client hands over when it connects: credentials and, to resume, its token. */
export type Handshake = HandshakeAuth & ResumeRequest;

/** A handshake the core accepted: who it is, and the peer it asks to resume if any. */
export interface Admission {
  identity: Identity;
  resume: PreparedResume | undefined;
}

export interface TransportCoreOptions extends ConnectionSettings {
  /** ALLOWED_ORIGINS: browsers of other sites are refused before the connection opens. */
  origins?: OriginRule;
}

export interface OpenOptions {
  /**
   * Sends `welcome` (Socket.IO and `/ws`); SSE greets its own way. A resume is always greeted
   * (an adapter whose wire has no `welcome`, PeerJS, drops it). @default true
   */
  greet?: boolean;
  /** Whether the engine keeps what it sends for a resume. @default true */
  resumable?: boolean;
  /** The client's own resume secret (PeerJS: from its token). @default a random one */
  resumeSecret?: string;
}

/**
 * The connection lifecycle every transport shares, written once: origin check, authentication
 * (refusals counted), opening or resuming the peer, the outbound budget, inbound events, the
 * close. An adapter admits a handshake, opens a {@link Connection} over its socket, then only
 * translates frames into {@link Connection.receive} and its close into {@link Connection.closed}.
 */
export class TransportCore {
  constructor(
    readonly engine: Engine,
    readonly options: TransportCoreOptions,
  ) {}

  /** Whether the request's origin is allowed (every request when no rule is set). */
  allowsOrigin(request: IncomingMessage): boolean {
    return this.options.origins?.allows(request) ?? true;
  }

  /** Authenticates a handshake and finds the peer it resumes; a refusal is counted and thrown. */
  async admit(handshake: Handshake): Promise<Admission> {
    try {
      const identity = await authenticate(handshake, this.options.auth);
      return { identity, resume: await prepareResume(this.engine, handshake, handshake, identity) };
    } catch (error) {
      const refusal =
        error instanceof SignalError ? error : new SignalError('unauthorized', 'Invalid token');
      this.engine.countRefusal(refusal.code);
      throw refusal;
    }
  }

  /**
   * Opens the peer of an admitted connection (or resumes the one it named). Returns the refusal
   * instead when the server is full (`server-busy`, `too-many-connections`): the adapter tells
   * its client its own way and closes.
   */
  open(
    socket: TransportSocket,
    admission: Admission,
    options: OpenOptions = {},
  ): Connection | SignalError {
    const connection = new Connection(this.engine, this.options, socket);
    const { identity, resume } = admission;
    const { auth } = this.options;
    const connect = {
      transport: socket.transport,
      id: socket.id,
      userId: identity.userId,
      user: identity.user,
      address: addressOf(auth, socket.remoteAddress, socket.headers),
      userAgent: firstOf(socket.headers['user-agent']),
      access: identity.access,
      resumable: options.resumable,
      resumeSecret: options.resumeSecret,
    };
    try {
      connection.attach(
        options.greet === false && !resume
          ? this.engine.connect(connection.sink, connect)
          : openPeer(this.engine, connection.sink, connect, resume, auth),
      );
    } catch (error) {
      if (error instanceof SignalError) return error;
      throw error;
    }
    return connection;
  }

  /**
   * Admits and opens in one step, for an adapter whose socket is open before it authenticates
   * (like Hocuspocus' `handleConnection`): the refusal is returned, counted, for it to send.
   */
  async handleConnection(
    socket: TransportSocket,
    handshake: Handshake,
    options?: OpenOptions,
  ): Promise<Connection | SignalError> {
    let admission: Admission;
    try {
      admission = await this.admit(handshake);
    } catch (error) {
      return error as SignalError;
    }
    return this.open(socket, admission, options);
  }
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
