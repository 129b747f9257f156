import { readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { SignalError } from '../engine/signal-error.js';
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from '../protocol/jws-algorithms.js';

/** Longest token accepted: identity providers' tokens with many claims stay under 4 KB. */
export const MAX_TOKEN_LENGTH = 8192;

export interface VerifierOptions {
  /** HS256/384/512 shared secret. */
  secret?: string;
  /** PEM public key, or the path of a PEM file. */
  publicKey?: string;
  /** Remote JWKS. */
  jwksUrl?: string;
  issuer?: string[];
  audience?: string[];
  /** @default the algorithms of the configured key type */
  algorithms?: string[];
  /** @default true */
  requireExp?: boolean;
  /** @default 5 (seconds) */
  clockTolerance?: number;
  /** JWKS fetch timeout. @default 5000 ms */
  jwksTimeout?: number;
}

/** Verifies a token's signature and standard claims; resolves to its payload. */
export type Verifier = (token: string) => Promise<JWTPayload>;

const HMAC: readonly string[] = HMAC_ALGORITHMS;
const ASYMMETRIC: readonly string[] = ASYMMETRIC_ALGORITHMS;

/** A PEM given inline or as a file path. */
export function readPem(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

/** The algorithms a public key can verify: its type decides (RSA, P-256, Ed25519...). */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return [curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new Error(`AUTH_JWT_PUBLIC_KEY: unsupported key type ${key.asymmetricKeyType}`);
  }
}

/** Why a token was refused, in words a developer can act on. */
function explain(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token expired (exp); get a fresh one';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'Token is not valid yet (nbf)';
    if (error.claim === 'iss') return 'Token issuer (iss) is not accepted';
    if (error.claim === 'aud') return 'Token audience (aud) is not accepted';
    if (error.claim === 'exp') return 'Token has no expiry (exp)';
    return `Token claim ${error.claim} is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm (alg) is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'Token key (kid) is unknown';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is invalid';
  return 'Invalid token';
}

/** The identity provider's keys could not be read: not the token's fault, so not a 401. */
function keysUnavailable(error: unknown): boolean {
  // A fetch that fails (refused, reset, bad TLS) surfaces as a plain error, not a JOSE one.
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError)
  );
}

/** The `alg` of a token's header, or a refusal for anything that is not a JWS at all. */
function algorithmOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    throw new SignalError('unauthorized', 'Invalid token: not a signed JWT');
  }
}

/** Builds the verifier of the configured key, or undefined when none is configured. */
export function createVerifier(options: VerifierOptions): Verifier | undefined {
  const { secret, publicKey, jwksUrl } = options;
  const configured = [secret, publicKey, jwksUrl].filter(Boolean).length;
  if (configured === 0) return undefined;
  if (configured > 1) {
    throw new Error('Set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL');
  }
  let key: Uint8Array | KeyObject | JWTVerifyGetKey;
  let allowed: readonly string[];
  if (secret) {
    key = new TextEncoder().encode(secret);
    allowed = HMAC;
  } else if (publicKey) {
    const object = createPublicKey(readPem(publicKey));
    allowed = algorithmsOf(object);
    key = object;
  } else {
    key = createRemoteJWKSet(new URL(jwksUrl!), {
      timeoutDuration: options.jwksTimeout ?? 5000,
      // An unknown kid refetches at most this often (key rotation), so a flood of made-up kids
      // cannot turn into a flood of requests to the identity provider.
      cooldownDuration: 10_000,
      cacheMaxAge: 10 * 60_000,
    });
    allowed = ASYMMETRIC;
  }
  const algorithms = options.algorithms?.length
    ? options.algorithms.filter((alg) => allowed.includes(alg))
    : [...allowed];
  if (!algorithms.length) {
    throw new Error(
      `AUTH_JWT_ALGORITHMS (${options.algorithms?.join(', ')}) allows none of the configured key's algorithms (${allowed.join(', ')})`,
    );
  }
  const jwks = typeof key === 'function';
  const requireExp = options.requireExp ?? true;
  const verifyOptions = {
    algorithms,
    issuer: options.issuer?.length ? options.issuer : undefined,
    audience: options.audience?.length ? options.audience : undefined,
    clockTolerance: options.clockTolerance ?? 5,
    requiredClaims: requireExp ? ['exp'] : [],
  };
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) {
      throw new SignalError(
        'unauthorized',
        `Token is too long (over ${MAX_TOKEN_LENGTH} characters)`,
      );
    }
    // Checked before any key lookup: an unsigned or foreign-algorithm token never costs a fetch.
    const alg = algorithmOf(token);
    if (!alg || !algorithms.includes(alg)) {
      throw new SignalError('unauthorized', `Token algorithm (${alg ?? 'none'}) is not accepted`);
    }
    try {
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions);
      return payload;
    } catch (error) {
      if (jwks && keysUnavailable(error)) {
        throw new SignalError(
          'auth-unavailable',
          'Cannot check tokens now: the identity provider keys (AUTH_JWKS_URL) are unreachable; try again shortly',
        );
      }
      throw new SignalError('unauthorized', explain(error));
    }
  };
}
