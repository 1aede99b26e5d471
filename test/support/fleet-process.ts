import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';

export interface FleetProcess {
  readonly child: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (waiting for it if need be). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Every process below the fleet seen so far (sampled while it runs), by pid and start time. */
  descendants(): ReadonlyMap<number, string>;
  /** Its exit code once it exited (null: killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code once it exited. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs `flashsale fleet up <args>` (what `npm run fleet` runs) as a child process. */
export function spawnFleet(args: readonly string[], env: NodeJS.ProcessEnv = {}): FleetProcess {
  const child = spawn(process.execPath, ['bin/flashsale.js', 'fleet', 'up', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiting = new Set<() => void>();
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    for (const check of waiting) check();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const seen = new Map<number, string>();
  const sample = () => {
    for (const [pid, startedAt] of processTree(child.pid!)) seen.set(pid, startedAt);
  };
  const sampler = setInterval(sample, 50);
  const exited = once(child, 'exit').then(([code]) => {
    clearInterval(sampler);
    return code as number | null;
  });
  return {
    child,
    exited,
    output: () => out,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`fleet did not print ${pattern} in time:\n${out}`));
        }, timeoutMs);
        const check = () => {
          const match = pattern.exec(out);
          if (match === null) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(match);
        };
        waiting.add(check);
        void exited.then(() => {
          if (!waiting.has(check)) return;
          check();
          if (waiting.delete(check)) {
            clearTimeout(timer);
            reject(new Error(`fleet exited before printing ${pattern}:\n${out}`));
          }
        });
        check();
      });
    },
    descendants: () => {
      if (child.exitCode === null) sample();
      return seen;
    },
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        sample();
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** Start time (clock ticks after boot) of a running process, undefined when there is none with that pid. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited and waits for its parent (init, for an orphan) to reap it.
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** The processes below `root` (children, their children, ...), by pid with their start times. */
export function processTree(root: number): Map<number, string> {
  const parents = new Map<number, number>();
  const started = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      started.set(Number(entry), fields[19]!);
    } catch {
      // Exited while we looked.
    }
  }
  const tree = new Map<number, string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, parent] of parents) {
      if (frontier.includes(parent) && !tree.has(pid)) {
        tree.set(pid, started.get(pid)!);
        next.push(pid);
      }
    }
    frontier = next;
  }
  return tree;
}

/** Those of `processes` still running (the same pid with the same start time). */
export function stillRunning(processes: ReadonlyMap<number, string>): number[] {
  return [...processes].filter(([pid, startedAt]) => startTime(pid) === startedAt).map(([pid]) => pid);
}

/** Sockets listening on `port` (IPv4), from /proc/net/tcp: one per process bound with SO_REUSEPORT. */
export function listeningSockets(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A').length;
}
