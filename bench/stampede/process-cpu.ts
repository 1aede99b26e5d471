import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { BusiestThread, CpuShare } from './types.ts';

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicksPerSecond();

/**
 * A stat file of /proc (a process's or a thread's): its command name, and
 * the fields after it (the name may itself hold spaces and parentheses, so
 * the split starts after the last ')'); undefined when it cannot be read.
 */
function readStat(path: string): { readonly name: string; readonly fields: string[] } | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const nameEnd = stat.lastIndexOf(')');
  return { name: stat.slice(stat.indexOf('(') + 1, nameEnd), fields: stat.slice(nameEnd + 2).split(' ') };
}

function statFields(pid: number): string[] | undefined {
  return readStat(`/proc/${pid}/stat`)?.fields;
}

/** CPU seconds (user + system) in the fields of a stat line; 0 when it could not be read. */
function secondsOf(fields: readonly string[] | undefined): number {
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  if (fields === undefined) return 0;
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU seconds (user + system, every thread) a live process used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  return secondsOf(statFields(pid));
}

/** What one thread of a process used so far. */
export interface ThreadCpu {
  /** `main` for the process's first thread, else the name the thread gave itself (`comm`). */
  readonly name: string;
  readonly seconds: number;
}

/**
 * CPU seconds of every live thread of the processes, by `pid/tid`. A
 * process's total says how much of the machine it took; its busiest thread
 * says whether one thread (a single-threaded store, an event loop) was the
 * ceiling while cores sat idle.
 */
export function threadCpuSeconds(pids: readonly number[]): Map<string, ThreadCpu> {
  const threads = new Map<string, ThreadCpu>();
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
      if (stat === undefined) continue;
      const name = tid === String(pid) ? 'main' : stat.name;
      threads.set(`${pid}/${tid}`, { name, seconds: secondsOf(stat.fields) });
    }
  }
  return threads;
}

/**
 * The thread that used the most CPU between two readings, as a percent of
 * one core over `wallSeconds`; undefined when no thread was seen in both.
 */
export function busiestThread(
  before: ReadonlyMap<string, ThreadCpu>,
  after: ReadonlyMap<string, ThreadCpu>,
  wallSeconds: number,
): BusiestThread | undefined {
  let busiest: BusiestThread | undefined;
  for (const [key, thread] of after) {
    const earlier = before.get(key);
    if (earlier === undefined || wallSeconds <= 0) continue;
    const ofOneCore = ((thread.seconds - earlier.seconds) / wallSeconds) * 100;
    if (busiest === undefined || ofOneCore > busiest.ofOneCore) busiest = { name: thread.name, ofOneCore };
  }
  return busiest;
}

/** A process and every process below it (a server that forks its workers). */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields !== undefined) parentOf.set(Number(entry), Number(fields[1]));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parentOf) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** CPU seconds of a set of processes, summed. */
export function treeCpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += cpuSeconds(pid);
  return total;
}

export function cpuShare(seconds: number, wallSeconds: number, cores: number): CpuShare {
  const ofOneCore = wallSeconds > 0 ? (seconds / wallSeconds) * 100 : 0;
  return { seconds, ofOneCore, ofMachine: ofOneCore / cores };
}
