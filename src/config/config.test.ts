import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, helpText, loadConfig } from './config.js';

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
