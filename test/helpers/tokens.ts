import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type { KeyObject } from 'node:crypto';

export const SECRET = 'a-test-secret-of-enough-length';

export interface KeyPair {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
}

export async function keyPair(
  alg: 'RS256' | 'ES256',
  kid = `${alg}-${Date.now()}`,
): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const pair = { alg, kid, privateKey, publicKey } as unknown as KeyPair;
  pair.publicPem = await exportSPKI(publicKey as never);
  return pair;
}

export interface TokenOptions {
  sub?: string | null;
  claims?: Record<string, unknown>;
  /** jose time span ('5m') or a number of seconds since the epoch; null = no exp. */
  exp?: string | number | null;
  nbf?: string | number;
  iss?: string;
  aud?: string;
}

function build(options: TokenOptions): SignJWT {
  const jwt = new SignJWT({ ...options.claims } as JWTPayload).setIssuedAt();
  if (options.sub !== null) jwt.setSubject(options.sub ?? 'ada');
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  if (options.iss) jwt.setIssuer(options.iss);
  if (options.aud) jwt.setAudience(options.aud);
  return jwt;
}

/** An HS256 token of {@link SECRET} (or `secret`). */
export function hsToken(options: TokenOptions = {}, secret = SECRET): Promise<string> {
  return build(options).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

/** A token signed by `pair` with its kid. */
export function signedToken(pair: KeyPair, options: TokenOptions = {}): Promise<string> {
  return build(options).setProtectedHeader({ alg: pair.alg, kid: pair.kid }).sign(pair.privateKey);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (`alg: none`), as an attacker would write it. */
export function unsignedToken(sub = 'mallory', extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub, exp: now + 300, ...extra })}.`;
}

/** A JWKS endpoint on 127.0.0.1 whose keys a test can rotate, stop and count requests of. */
export interface JwksServer {
  url: string;
  keys: KeyPair[];
  requests: number;
  /** Answers with a connection reset (as a dead identity provider would). */
  down: boolean;
  close(): Promise<void>;
}

export async function startJwks(keys: KeyPair[]): Promise<JwksServer> {
  const state = { keys, requests: 0, down: false };
  const server: Server = createServer((request, response) => {
    state.requests++;
    if (state.down) {
      request.socket.destroy();
      return;
    }
    void Promise.all(
      state.keys.map(async (k) => ({
        ...(await exportJWK(k.publicKey)),
        kid: k.kid,
        alg: k.alg,
        use: 'sig',
      })),
    ).then((jwks) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: jwks }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as JwksServer;
}
