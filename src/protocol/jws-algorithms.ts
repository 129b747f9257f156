/** Shared-secret algorithms (AUTH_JWT_SECRET). */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** Public-key algorithms (AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL). */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Every algorithm `AUTH_JWT_ALGORITHMS` may name; `none` is not one of them. */
export const JWS_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
