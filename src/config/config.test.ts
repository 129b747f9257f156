import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, helpText, loadConfig } from './config.js';

/** Each environment has one bad setting, and the error names it with what it must be. */
function refusesEach(envs: Array<Record<string, string>>): void {
  for (const env of envs) {
    const name = Object.keys(env)[0]!;
    assert.throws(() => loadConfig([], env), new RegExp(`${name}=.*must`), name);
  }
}

describe('loadConfig', () => {
  it('uses documented defaults with an empty environment', () => {
    const config = loadConfig([], {});
    assert.equal(config.port, 4000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.roomCapacity, 8);
    assert.equal(config.pingInterval, 25000);
    assert.equal(config.pingTimeout, 60000);
    assert.equal(config.maxPayloadBytes, 1_000_000);
    assert.equal(config.allowedOrigins, undefined);
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      PORT: '5000',
      ALLOWED_ORIGINS: 'https://a.test, https://b.test',
      LOG_LEVEL: 'warn',
    };
    const config = loadConfig(['--port', '6000', '--room-capacity', '12'], env);
    assert.equal(config.port, 6000);
    assert.equal(config.roomCapacity, 12);
    assert.deepEqual(config.allowedOrigins, ['https://a.test', 'https://b.test']);
    assert.equal(config.logLevel, 'warn');
  });

  it('names every bad setting with its source', () => {
    assert.throws(
      () => loadConfig(['--ping-interval', 'often'], { PORT: '99999', NODE_ENV: 'staging' }),
      (error: Error) =>
        error instanceof ConfigError &&
        /PORT="99999"/.test(error.message) &&
        /NODE_ENV="staging"/.test(error.message) &&
        /--ping-interval="often"/.test(error.message),
    );
  });

  it('says what is wrong with a number: negative, fractional, not a number, out of range', () => {
    const reasons: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: '-1' }, /PORT="-1": must not be negative/],
      [{ ROOM_CAPACITY: '-3' }, /ROOM_CAPACITY="-3": must not be negative/],
      [{ ROOM_CAPACITY: '1' }, /ROOM_CAPACITY="1": must be at least 2/],
      [{ MAX_CONNECTIONS: '2.5' }, /MAX_CONNECTIONS="2.5": must be a whole number/],
      [{ PORT: 'eighty' }, /PORT="eighty": must be a number/],
      [{ PORT: '70000' }, /PORT="70000": must be at most 65535/],
    ];
    for (const [env, reason] of reasons) assert.throws(() => loadConfig([], env), reason);
  });

  it('validates STUN and TURN URLs', () => {
    const config = loadConfig([], {
      STUN_URLS: 'stun:stun.example.org:3478, stuns:[2001:db8::1]:5349',
      TURN_URLS: 'turn:turn.example.org:3478?transport=udp,turns:turn.example.org',
    });
    assert.deepEqual(config.stunUrls, ['stun:stun.example.org:3478', 'stuns:[2001:db8::1]:5349']);
    assert.equal(config.turnUrls?.length, 2);
    refusesEach([
      { STUN_URLS: 'stun.l.google.com:19302' },
      { STUN_URLS: 'turn:t.example:3478' },
      { TURN_URLS: 'https://turn.example.org' },
      { TURN_URLS: 'turn:t.example:3478?transport=sctp' },
      { ICE_SERVERS: '[{"urls": "http://x"}]' },
    ]);
  });

  it('reads webhook settings and names a bad secret without printing it', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const config = loadConfig([], {
      WEBHOOK_URL: 'https://a.example/hooks, http://10.0.0.2:8080/in',
      WEBHOOK_SECRET: secret,
      WEBHOOK_EVENTS: 'room.started,participant.left',
      WEBHOOK_RETRY_SCHEDULE: '1s,2s,5s',
    });
    assert.deepEqual(config.webhookUrls, ['https://a.example/hooks', 'http://10.0.0.2:8080/in']);
    assert.equal(config.webhookSecret, secret);
    assert.deepEqual(config.webhookEvents, ['room.started', 'participant.left']);
    assert.deepEqual(config.webhookRetrySchedule, ['1s', '2s', '5s']);
    assert.deepEqual(loadConfig([], {}).webhookRetrySchedule, [
      '5s',
      '5m',
      '30m',
      '2h',
      '5h',
      '10h',
      '14h',
      '20h',
      '24h',
    ]);

    const defaults = loadConfig([], {});
    assert.equal(defaults.webhookClaimLease, 60_000);
    assert.equal(defaults.webhookRetention, '7d');
    const short = loadConfig([], { WEBHOOK_CLAIM_LEASE_MS: '2000', WEBHOOK_RETENTION: '30s' });
    assert.equal(short.webhookClaimLease, 2000);
    assert.equal(short.webhookRetention, '30s');
    assert.throws(
      () => loadConfig([], { WEBHOOK_RETENTION: '7 days' }),
      /WEBHOOK_RETENTION="7 days": must be a span/,
    );
    assert.throws(
      () => loadConfig([], { WEBHOOK_CLAIM_LEASE_MS: '10' }),
      /WEBHOOK_CLAIM_LEASE_MS="10": must be at least 1000/,
    );

    const leaked = 'whsec_dG9vLXNob3J0';
    assert.throws(
      () => loadConfig([], { WEBHOOK_URL: 'https://a.example/hooks', WEBHOOK_SECRET: leaked }),
      (error: Error) =>
        /WEBHOOK_SECRET: must be whsec_/.test(error.message) && !error.message.includes(leaked),
    );
    assert.throws(
      () => loadConfig([], { WEBHOOK_URL: 'https://a.example/hooks' }),
      /WEBHOOK_SECRET is required when WEBHOOK_URL is set/,
    );
    refusesEach([
      { WEBHOOK_URL: 'ftp://a.example' },
      { WEBHOOK_EVENTS: 'room.created' },
      { WEBHOOK_RETRY_SCHEDULE: '5 minutes' },
      { WEBHOOK_RETRY_SCHEDULE: ',' },
    ]);
  });

  it('rejects unknown flags with a pointer to --help', () => {
    assert.throws(() => loadConfig(['--prot', '1'], {}), /--help/);
  });

  it('documents every option in --help', () => {
    const help = helpText();
    for (const name of ['PORT', 'ALLOWED_ORIGINS', 'ROOM_CAPACITY', 'AUTH_JWT_SECRET']) {
      assert.match(help, new RegExp(name));
    }
  });
});
