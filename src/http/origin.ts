import type { IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';

/** What the origin rule reads of a request: its headers, and its socket (TLS or not). */
export interface OriginRequest {
  headers: IncomingHttpHeaders;
  socket: object;
}

/** Decides whether a browser page may use the server, from the request it sent. */
export interface OriginRule {
  /**
   * Whether the request's `Origin` may use the transports and the API: no `Origin` (not a
   * browser), the server's own pages, or (with `ALLOWED_ORIGINS`) a listed origin; else any.
   */
  allows(request: OriginRequest): boolean;
  /** The `Origin` is this server's own page: `scheme://Host`, with a `Host` that is ours. */
  isOwn(request: OriginRequest): boolean;
  /** The `Host` header names this server (a DNS-rebinding page sends its own name instead). */
  hostIsOurs(request: OriginRequest): boolean;
}

/**
 * The one origin rule of every transport (Socket.IO handshakes, `/ws` upgrades, SSE streams,
 * CORS of the REST API) and of the admin API without a credential.
 *
 * Without `ALLOWED_ORIGINS` any origin may connect. With it, an `Origin` must equal one of the
 * listed origins exactly (scheme, host and port): `null` (sandboxed frames, files) and
 * look-alikes such as `http://good.example.evil.example` are refused. The server's own pages
 * (demo, dashboard) are always allowed: an `Origin` equal to the request's own scheme and `Host`,
 * when that `Host` is a name this server answers to (`localhost`, a loopback or interface
 * address of this machine, `HOST`). A `Host` is checked because a DNS-rebinding page controls
 * both: it sends `Origin: http://evil.example:4000` with `Host: evil.example:4000`.
 * A request with no `Origin` header is not a browser's (browsers always send one on WebSocket
 * and cross-site requests) and is let through: native and server clients send none.
 */
export function originRule(allowed: string[] | undefined, host?: string): OriginRule {
  const exact = allowed
    ? new Set(allowed.map(normalize).filter((o): o is string => o !== undefined))
    : undefined;
  const names = new ServerNames(host);
  const hostname = (request: OriginRequest) => hostnameOf(headerOf(request, 'host'));
  const hostIsOurs = (request: OriginRequest) => names.has(hostname(request));
  const isOwn = (request: OriginRequest) => {
    const origin = headerOf(request, 'origin');
    const host = headerOf(request, 'host');
    if (!origin || !host || !hostIsOurs(request)) return false;
    const scheme = 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http';
    return normalize(`${scheme}://${host}`) === origin;
  };
  return {
    allows(request) {
      const origin = headerOf(request, 'origin');
      return !exact || origin === undefined || exact.has(origin) || isOwn(request);
    },
    isOwn,
    hostIsOurs,
  };
}

function headerOf(request: OriginRequest, name: 'origin' | 'host'): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** `HTTP://Good.Example:80/` → `http://good.example`, as browsers serialize origins. */
function normalize(entry: string): string | undefined {
  try {
    const origin = new URL(entry).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The host name of a `Host` header (`[::1]:4000` → `[::1]`), or undefined when malformed. */
function hostnameOf(host: string | undefined): string | undefined {
  if (!host || /[/\\@?#\s]/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The names this server answers to: localhost, loopback, `HOST`, and this machine's interface
 * addresses (what a phone on the LAN opens, with `--https` too). An address literal cannot
 * come from a rebinding page, whose `Host` is always its own domain name.
 */
class ServerNames {
  private readonly fixed = new Set(['localhost', '[::1]']);
  private addresses = interfaceAddresses();

  constructor(host: string | undefined) {
    const name = hostnameOf(
      host && host.includes(':') && !host.startsWith('[') ? `[${host}]` : host,
    );
    if (name && name !== '0.0.0.0' && name !== '[::]') this.fixed.add(name);
  }

  has(hostname: string | undefined): boolean {
    if (!hostname) return false;
    if (this.fixed.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname)) return true;
    if (this.addresses.has(hostname)) return true;
    // Interfaces come and go (Wi-Fi, VPN): look again before refusing.
    this.addresses = interfaceAddresses();
    return this.addresses.has(hostname);
  }
}

function interfaceAddresses(): Set<string> {
  const found = new Set<string>();
  for (const nic of Object.values(networkInterfaces()).flat()) {
    if (!nic) continue;
    found.add(nic.family === 'IPv6' ? `[${nic.address.replace(/%.*$/, '')}]` : nic.address);
  }
  return found;
}
