import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../config/config.js';
import { lockDataDir } from './data-dir-lock.js';

describe('DATA_DIR lock', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sinyal-lock-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lets one holder in, refuses the next with the owner pid, frees on release', () => {
    const { release, uncleanStop } = lockDataDir(dir);
    assert.equal(uncleanStop, false);
    const lock = JSON.parse(readFileSync(join(dir, 'sinyal.lock'), 'utf8'));
    assert.deepEqual(lock, { pid: process.pid, host: hostname() });
    assert.throws(
      () => lockDataDir(dir),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message.includes(`is in use by another sinyal process (pid ${process.pid}`),
    );
    release();
    assert.ok(!existsSync(join(dir, 'sinyal.lock')));
    const next = lockDataDir(dir);
    assert.equal(next.uncleanStop, false, 'a released lock is a clean stop');
    next.release();
  });

  it('takes over the lock of a process that is gone (crash, kill -9)', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(dir, 'sinyal.lock'), JSON.stringify({ pid: gone, host: hostname() }));
    const { release, uncleanStop } = lockDataDir(dir);
    assert.equal(uncleanStop, true);
    assert.equal(JSON.parse(readFileSync(join(dir, 'sinyal.lock'), 'utf8')).pid, process.pid);
    release();
    writeFileSync(join(dir, 'sinyal.lock'), 'not json');
    const taken = lockDataDir(dir);
    assert.equal(taken.uncleanStop, true);
    taken.release();
  });
});
