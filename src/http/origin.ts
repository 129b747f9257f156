/** Decides whether a browser `Origin` may use the server. */
export type OriginCheck = (origin: string | undefined) => boolean;

/**
 * The one origin rule of every transport (Socket.IO handshakes, `/ws` upgrades, SSE streams,
 * CORS of the REST API). Without `ALLOWED_ORIGINS` any origin may connect. With it, an `Origin`
 * must equal one of the listed origins exactly (scheme, host and port): `null` (sandboxed
 * frames, files) and look-alikes such as `http://good.example.evil.example` are refused.
 * A request with no `Origin` header is not a browser's (browsers always send one on WebSocket
 * and cross-site requests) and is let through: native and server clients send none.
 */
export function originCheck(allowed: string[] | undefined): OriginCheck {
  if (!allowed) return () => true;
  const exact = new Set(allowed.map(normalize).filter((o): o is string => o !== undefined));
  return (origin) => origin === undefined || exact.has(origin);
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
