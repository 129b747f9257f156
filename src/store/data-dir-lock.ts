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

interface LockOwner {
  pid: number;
  host: string;
  /** Start time of the process (Linux), so a reused pid is not taken for the holder. */
  startedAt?: string;
}

/**
 * A process's state letter and start time (clock ticks after boot) from Linux's
 * `/proc/<pid>/stat`; undefined when it is gone or there is no /proc (then `alive()` decides).
 */
function processStat(pid: number): { state: string; startedAt: string } | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields count from its end.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startedAt: fields[19]! };
  } catch {
    return undefined;
  }
}

/**
 * Whether the process a lock names is gone: no such process, a zombie (killed, not yet reaped
 * by its parent), or another process under a reused pid (a container restart reuses pid 1),
 * told by a start time other than the one the lock recorded.
 */
function holderGone(owner: LockOwner): boolean {
  const stat = processStat(owner.pid);
  if (!stat) return !alive(owner.pid);
  if (stat.state === 'Z' || stat.state === 'X') return true;
  return owner.startedAt !== undefined && owner.startedAt !== stat.startedAt;
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
 * servers on one folder would corrupt it. A lock whose process is gone (a crash, a kill -9: see
 * {@link holderGone}) is taken over.
 */
export function lockDataDir(dir: string, options: { inCluster?: boolean } = {}): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    startedAt: processStat(process.pid)?.startedAt,
  });
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
    const stale = !owner || (owner.host === hostname() && holderGone(owner));
    if (!stale) {
      const holder = `DATA_DIR "${dir}" is in use by another sinyal process (pid ${owner.pid} on ${owner.host}).`;
      throw new ConfigError(
        options.inCluster
          ? `${holder} Processes sharing REDIS_URL keep one history in PostgreSQL: add ` +
              'DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE to every process ' +
              '(or DATA_DIR=memory:// to this one, to keep no history).'
          : `${holder} Stop that one, give this one its own DATA_DIR, or share a PostgreSQL ` +
              'with DATABASE_URL.',
      );
    }
    rmSync(path, { force: true });
    uncleanStop = true;
  }
  throw new ConfigError(`DATA_DIR "${dir}": could not take ${LOCK_FILE}; remove it if stale.`);
}

function readLock(path: string): LockOwner | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    if (typeof data.pid !== 'number' || typeof data.host !== 'string') return undefined;
    const startedAt = typeof data.startedAt === 'string' ? data.startedAt : undefined;
    return { pid: data.pid, host: data.host, startedAt };
  } catch {
    return undefined;
  }
}
