import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../test/helpers/wait.js';
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
    assert.deepEqual(lock, { pid: process.pid, host: hostname(), startedAt: startOf(process.pid) });
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

  it('takes over a lock whose holder is a zombie (killed, not yet reaped)', async () => {
    // The child `cat` exits when this test closes fd 3, and only after its parent has exec'd into
    // `sleep 30`, which never reaps it. (A child that exits while its parent is still the shell
    // may be reaped by the shell first: the pid is then gone, not a zombie.)
    const parent = spawn('sh', ['-c', 'cat <&3 >/dev/null & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore', 'pipe'],
    });
    try {
      const zombie = Number(await new Promise<string>((r) => parent.stdout!.once('data', r)));
      await until('the shell became `sleep`', () => commOf(parent.pid!) === 'sleep');
      parent.stdio[3]!.destroy();
      await until('the child is a zombie', () => stateOf(zombie) === 'Z');
      // What a live sinyal would have written, start time included.
      const owner = { pid: zombie, host: hostname(), startedAt: startOf(zombie) };
      writeFileSync(join(dir, 'sinyal.lock'), JSON.stringify(owner));
      const { release, uncleanStop } = lockDataDir(dir);
      assert.equal(uncleanStop, true);
      release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a lock whose pid now belongs to another process (reused pid)', () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      // The holder's pid, taken since by `sleep`: the lock's start time is not sleep's.
      const owner = { pid: other.pid, host: hostname(), startedAt: '1' };
      writeFileSync(join(dir, 'sinyal.lock'), JSON.stringify(owner));
      const { release, uncleanStop } = lockDataDir(dir);
      assert.equal(uncleanStop, true);
      release();
      // The same live process with its own start time holds the lock.
      owner.startedAt = startOf(other.pid!)!;
      writeFileSync(join(dir, 'sinyal.lock'), JSON.stringify(owner));
      assert.throws(() => lockDataDir(dir), /is in use by another sinyal process/);
    } finally {
      other.kill('SIGKILL');
      rmSync(join(dir, 'sinyal.lock'), { force: true });
    }
  });

  it('tells a process of a Redis cluster to add DATABASE_URL', () => {
    const { release } = lockDataDir(dir);
    try {
      assert.throws(
        () => lockDataDir(dir, { inCluster: true }),
        (error: Error) =>
          error.message.includes('Processes sharing REDIS_URL') &&
          error.message.includes('add DATABASE_URL=postgres://'),
      );
    } finally {
      release();
    }
  });
});

/** Field 3 (state) and 22 (start time) of /proc/<pid>/stat. */
const statOf = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
};
const stateOf = (pid: number) => statOf(pid)[0];
const commOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const startOf = (pid: number) => statOf(pid)[19];
