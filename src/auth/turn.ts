import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';

/** One entry of `RTCConfiguration.iceServers`, as the browser takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Time-limited TURN credentials of the TURN REST API (draft-uberti-behave-turn-rest, coturn's
 * `use-auth-secret`): username `expiry:userId`, password base64(HMAC-SHA1(secret, username)).
 * The TURN server checks them with the same shared secret, so nothing is stored.
 */
export function turnRestCredentials(
  secret: string,
  userId: string,
  ttlSeconds: number,
  now = Date.now(),
): { username: string; credential: string; expiresAt: number } {
  const expiresAt = Math.floor(now / 1000) + ttlSeconds;
  // A colon inside the user id would be read as the separator by the TURN server.
  const username = `${expiresAt}:${userId.replace(/:/g, '_')}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

export type IceConfig = Pick<
  Config,
  | 'iceServers'
  | 'stunUrls'
  | 'turnUrls'
  | 'turnUsername'
  | 'turnCredential'
  | 'turnSecret'
  | 'turnTtl'
>;

/**
 * The ICE servers a client should use: ICE_SERVERS verbatim, else STUN plus TURN. Without a
 * `userId` (the caller proved no connection), the public part only: STUN needs no secret.
 */
export function iceServersFor(config: IceConfig, userId?: string, now = Date.now()): IceServer[] {
  if (userId === undefined) {
    if (config.iceServers) return config.iceServers.filter((s) => !s.credential && !s.username);
    return config.stunUrls?.length ? [{ urls: config.stunUrls }] : [];
  }
  if (config.iceServers) return config.iceServers;
  const servers: IceServer[] = [];
  if (config.stunUrls?.length) servers.push({ urls: config.stunUrls });
  if (config.turnUrls?.length) {
    if (config.turnSecret) {
      const { username, credential } = turnRestCredentials(
        config.turnSecret,
        userId,
        config.turnTtl,
        now,
      );
      servers.push({ urls: config.turnUrls, username, credential });
    } else {
      servers.push({
        urls: config.turnUrls,
        username: config.turnUsername,
        credential: config.turnCredential,
      });
    }
  }
  return servers;
}

/** What clients get from `GET /api/ice-servers`, in words for the startup block (no secrets). */
export function describeIce(config: IceConfig): string {
  const urlsOf = (servers: IceServer[]) => servers.flatMap((s) => s.urls).join(' ');
  if (config.iceServers) return `ICE_SERVERS as given: ${urlsOf(config.iceServers)}`;
  const stun = config.stunUrls?.length ? `STUN ${config.stunUrls.join(' ')}` : 'no STUN';
  if (!config.turnUrls?.length) {
    return `${stun}; no TURN: peers behind strict firewalls may not connect (set TURN_URLS and TURN_SECRET)`;
  }
  const credentials = config.turnSecret
    ? `time-limited credentials (TURN_SECRET, ${config.turnTtl} s)`
    : 'a fixed username and password (TURN_USERNAME)';
  return `${stun}; TURN ${config.turnUrls.join(' ')} with ${credentials}`;
}
