import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/config.js';
import type { JoinPolicy } from '../engine/engine.js';
import type { AuthOptions } from './identity.js';
import { joinAuthz } from './join-authz.js';
import { joinGuard } from './join-guard.js';
import { createVerifier } from './verifier.js';

export type AuthConfig = Pick<
  Config,
  | 'authMode'
  | 'jwtSecret'
  | 'jwtPublicKey'
  | 'jwksUrl'
  | 'jwtIssuer'
  | 'jwtAudience'
  | 'jwtAlgorithms'
  | 'jwtRequireExp'
  | 'jwtClockTolerance'
  | 'trustProxy'
>;

/** Which JWT key setting is set, if any (for messages). */
export function jwtKeyName(
  config: Pick<Config, 'jwtSecret' | 'jwtPublicKey' | 'jwksUrl'>,
): string | undefined {
  if (config.jwtSecret) return 'AUTH_JWT_SECRET';
  if (config.jwtPublicKey) return 'AUTH_JWT_PUBLIC_KEY';
  if (config.jwksUrl) return 'AUTH_JWKS_URL';
  return undefined;
}

/** The authentication every transport shares, from the configuration. Throws on a bad setup. */
export function createAuth(config: AuthConfig): AuthOptions {
  try {
    return buildAuth(config);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function buildAuth(config: AuthConfig): AuthOptions {
  const verify = createVerifier({
    secret: config.jwtSecret,
    publicKey: config.jwtPublicKey,
    jwksUrl: config.jwksUrl,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    algorithms: config.jwtAlgorithms,
    requireExp: config.jwtRequireExp,
    clockTolerance: config.jwtClockTolerance,
  });
  const mode = config.authMode ?? (verify ? 'jwt' : 'open');
  if (mode === 'jwt' && !verify) {
    throw new Error(
      'AUTH_MODE=jwt needs a key: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL',
    );
  }
  if (mode !== 'jwt' && verify) {
    throw new Error(
      `AUTH_MODE=${mode} ignores tokens, but a JWT key is set: remove AUTH_MODE (or the key)`,
    );
  }
  return { mode, verify, trustProxy: config.trustProxy };
}

/** The engine's join policy: token grants, per-connection join limits, `JOIN_AUTHZ_URL`. */
export function createJoinPolicy(
  config: Pick<
    Config,
    | 'maxRoomsPerPeer'
    | 'maxJoinsPerMinute'
    | 'joinAuthzUrl'
    | 'joinAuthzSecret'
    | 'joinAuthzTimeout'
    | 'joinAuthzCacheTtl'
    | 'joinAuthzOnError'
  >,
  logger?: Logger,
): JoinPolicy {
  const appCheck = config.joinAuthzUrl
    ? joinAuthz({
        url: config.joinAuthzUrl,
        secret: config.joinAuthzSecret,
        timeout: config.joinAuthzTimeout,
        cacheTtl: config.joinAuthzCacheTtl,
        onError: config.joinAuthzOnError,
        logger,
      })
    : undefined;
  return joinGuard({
    maxRoomsPerPeer: config.maxRoomsPerPeer,
    maxJoinsPerMinute: config.maxJoinsPerMinute,
    appCheck,
  });
}
