import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config.js';

const LOCK_FILE = 'sinyal.lock';

/** Whether a process with this id runs on this machine (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
  /**
   * The lock of a process that is gone was taken over: it stopped without a clean shutdown (a
   * clean stop removes its lock), so whatever it recorded as open was left open.
   */
  uncleanStop: boolean;
}

/**
 * Takes `DATA_DIR/sinyal.lock` for this process: PGlite is one process's database, and two
 * servers on one folder would corrupt it. A lock whose process is gone (a crash, a kill -9) is
 * taken over.
 */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: hostname() });
  let uncleanStop = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      const release = () => {
        // Only our own lock: a takeover by another process after a stall is theirs.
        if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
      };
      return { release, uncleanStop };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readLock(path);
    const stale = !owner || (owner.host === hostname() && !alive(owner.pid));
    if (!stale) {
      throw new ConfigError(
        `DATA_DIR "${dir}" is in use by another sinyal process (pid ${owner.pid} on ${owner.host}). ` +
          'Stop that one, give this one its own DATA_DIR, or share a PostgreSQL with DATABASE_URL.',
      );
    }
    rmSync(path, { force: true });
    uncleanStop = true;
  }
  throw new ConfigError(`DATA_DIR "${dir}": could not take ${LOCK_FILE}; remove it if stale.`);
}

function readLock(path: string): { pid: number; host: string } | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof data.pid !== 'number' || typeof data.host !== 'string') return undefined;
    return { pid: data.pid, host: data.host };
  } catch {
    return undefined;
  }
}
