import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

/** User + system CPU of a whole process (all threads: JS, GC helpers, libuv pool), in µs. */
export function processCpuMicros(pid: number): number {
  return cpuMicrosOf(`/proc/${pid}/stat`);
}

/** User + system CPU of a process's main thread (its JavaScript event loop), in µs. */
export function mainThreadCpuMicros(pid: number): number {
  return cpuMicrosOf(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU of each thread of a process, in µs, keyed `main` for the event loop's thread and
 * `<name>:<tid>` for the others (V8's GC helpers, the libuv pool and worker threads are all named
 * `node`, so only the thread id tells them apart). `times`: user + system, or one of them.
 */
export function threadCpuMicros(
  pid: number,
  times: 'all' | 'user' | 'system' = 'all',
): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(tid === String(pid) ? 'main' : `${name}:${tid}`, cpuMicrosOfStat(stat, times));
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

function cpuMicrosOf(statFile: string): number {
  return cpuMicrosOfStat(readFileSync(statFile, 'utf8'), 'all');
}

function cpuMicrosOfStat(stat: string, times: 'all' | 'user' | 'system'): number {
  // The command name (field 2) may hold spaces; the fields we want follow its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const user = times === 'system' ? 0 : Number(fields[11]);
  const ticks = user + (times === 'user' ? 0 : Number(fields[12]));
  return (ticks * 1_000_000) / CLOCK_TICKS;
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status), as `ps` shows it. */
export function processRssBytes(pid: number): number {
  return statusKb(pid, 'VmRSS') * 1024;
}

/** The highest RSS the process has reached (VmHWM), in bytes. */
export function processPeakRssBytes(pid: number): number {
  return statusKb(pid, 'VmHWM') * 1024;
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]);
}

/** The 1-minute load average, to tell how busy the shared machine was. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** The soft limit on open files of this process (children inherit it). */
export function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return match?.[1] === 'unlimited' ? Infinity : Number(match?.[1] ?? 1024);
}

/** Read and write syscalls a process has made (`syscr`, `syscw` of /proc/<pid>/io; writev counts). */
export function processSyscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  return { reads: field('syscr'), writes: field('syscw') };
}
