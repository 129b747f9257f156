import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { createAccessToken } from './mint.js';

export const tokenUsage = `Usage: sinyal token --user ID [--room NAME ...] [--ttl 1h] [--admin] [--name NAME] [--avatar URL] [--kid KID]

Prints an access token signed with AUTH_JWT_SECRET (HS256) or AUTH_JWT_PRIVATE_KEY, with
AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (their first entries) when set.
  --room  a room or study the holder may join; repeat it; a trailing * is a prefix (team-*).
          Without --room the token opens any room.
  --ttl   lifetime: seconds or a span (30m, 1h, 7d). Default 1h.
  --admin grants the admin API.`;

/** `sinyal token ...`: resolves to the token, or throws a ConfigError that says what is missing. */
export async function tokenCommand(
  argv: string[],
  config: Pick<Config, 'jwtSecret' | 'jwtPrivateKey' | 'jwtIssuer' | 'jwtAudience'>,
): Promise<string> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: 'string' },
        room: { type: 'string', multiple: true },
        ttl: { type: 'string', default: '1h' },
        admin: { type: 'boolean', default: false },
        name: { type: 'string' },
        avatar: { type: 'string' },
        kid: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${tokenUsage}`);
  }
  if (!values.user) throw new ConfigError(`--user is required\n\n${tokenUsage}`);
  if (!/^\d+$|^\d+\s*[a-z]+$/i.test(values.ttl)) {
    throw new ConfigError(`--ttl ${values.ttl}: use seconds or a span such as 30m, 1h, 7d`);
  }
  if (!config.jwtSecret && !config.jwtPrivateKey) {
    throw new ConfigError(
      'sinyal token needs a signing key: set AUTH_JWT_SECRET (HS256) or AUTH_JWT_PRIVATE_KEY (PEM)',
    );
  }
  return createAccessToken({
    userId: values.user,
    rooms: values.room,
    admin: values.admin,
    name: values.name,
    avatar: values.avatar,
    ttl: values.ttl,
    secret: config.jwtSecret,
    privateKey: config.jwtSecret ? undefined : config.jwtPrivateKey,
    issuer: config.jwtIssuer?.[0],
    audience: config.jwtAudience?.[0],
    keyId: values.kid,
  });
}
