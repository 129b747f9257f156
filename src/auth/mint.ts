import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { readPem } from './verifier.js';

export interface AccessTokenOptions {
  /** The user id (`sub`). */
  userId: string;
  name?: string;
  /** A picture URL. */
  avatar?: string;
  /** Rooms and studies the holder may join; `team-*` is a prefix. Omitted: any room. */
  rooms?: string[];
  /** Grants the admin API. */
  admin?: boolean;
  /**
   * Lifetime: seconds, or a span such as `'30m'`, `'1h'`, `'7d'`.
   * @default '1h' — short enough that a leaked token soon stops working; clients refresh
   */
  ttl?: number | string;
  /** Signs with HS256. One of `secret` and `privateKey` is needed. */
  secret?: string;
  /** A PEM private key (or its file path): RS256, ES256/384/512 or EdDSA by its type. */
  privateKey?: string;
  issuer?: string;
  audience?: string;
  /** `kid` header, for verifiers with several keys (JWKS). */
  keyId?: string;
}

function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
    }
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new Error(`Unsupported private key type ${key.asymmetricKeyType}`);
  }
}

/** `'90'` or 90 → 90 seconds; `'1h'` and other spans are passed to jose as they are. */
function expiry(ttl: number | string): number | string {
  const now = Math.floor(Date.now() / 1000);
  if (typeof ttl === 'number') return now + ttl;
  return /^\d+$/.test(ttl.trim()) ? now + Number(ttl) : ttl;
}

/**
 * An access token for sinyal, as an app backend hands one to its user:
 * `createAccessToken({ userId: 'ada', rooms: ['team-*'], secret })`. The claims are those of
 * docs/security.md; verify with the same secret (`AUTH_JWT_SECRET`) or the matching public key.
 */
export async function createAccessToken(options: AccessTokenOptions): Promise<string> {
  if (!options.userId) throw new Error('createAccessToken: userId is required');
  const claims: Record<string, unknown> = {};
  if (options.name) claims.name = options.name;
  if (options.avatar) claims.avatar = options.avatar;
  if (options.rooms) claims.rooms = options.rooms;
  if (options.admin) claims.admin = true;
  const jwt = new SignJWT(claims)
    .setSubject(options.userId)
    .setIssuedAt()
    .setExpirationTime(expiry(options.ttl ?? '1h'));
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  const header = (alg: string) =>
    options.keyId ? { alg, typ: 'JWT', kid: options.keyId } : { alg, typ: 'JWT' };
  if (options.secret) {
    return jwt.setProtectedHeader(header('HS256')).sign(new TextEncoder().encode(options.secret));
  }
  if (options.privateKey) {
    const key = createPrivateKey(readPem(options.privateKey));
    return jwt.setProtectedHeader(header(algorithmOf(key))).sign(key);
  }
  throw new Error(
    'createAccessToken needs a secret (AUTH_JWT_SECRET) or a privateKey (AUTH_JWT_PRIVATE_KEY)',
  );
}
