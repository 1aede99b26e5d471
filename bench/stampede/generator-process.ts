import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { LoadResult } from './types.ts';

/** A generator process that has loaded everything and waits for the word to start. */
export interface PreparedLoad {
  readonly pid: number;
  /** Lets it start sending; resolves once every one of its threads runs. */
  go(): Promise<RunningLoad>;
}

/** A load generator running in a process of its own. */
export interface RunningLoad {
  readonly pid: number;
  /** Answers the generator reported so far (it reports once a second). */
  answers(): number;
  /** Ends the run with SIGINT and resolves with what the generator measured. */
  stop(): Promise<LoadResult>;
}

export interface GeneratorProcess {
  readonly pid: number;
  /** Writes `go` on its stdin and resolves once it printed `ready` once per thread. */
  go(): Promise<void>;
  answers(): number;
  /** Sends SIGINT and resolves with everything the process printed on stdout once it exited. */
  interrupt(): Promise<string>;
}

/** Generators still running: killed if the bench exits early, so none is left pressing a dead server. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts a generator process and resolves once it printed `waiting` on
 * stderr: it has read its shoppers' tokens and blocks until it reads a line
 * on stdin, so that the next phase's generator can be started ahead and set
 * off the instant the phase begins. After `go` it prints `ready` once per
 * thread (`threads`); from then on it handles SIGINT by printing its summary.
 * Its stderr lines `progress <n>` count answers; any other line is passed on.
 */
export async function spawnGenerator(
  name: string,
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  threads: number,
): Promise<GeneratorProcess> {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  await once(child, 'spawn');
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  let answers = 0;
  let readyLeft = threads;
  const signals = { waiting: () => {}, ready: () => {} };
  const waiting = new Promise<void>((resolve) => {
    signals.waiting = resolve;
  });
  const ready = new Promise<void>((resolve) => {
    signals.ready = resolve;
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const progress = /^progress (\d+)$/.exec(line);
    if (progress !== null) answers += Number(progress[1]);
    else if (line === 'waiting') signals.waiting();
    else if (line === 'ready') {
      if (--readyLeft === 0) signals.ready();
    } else process.stderr.write(`  [${name}] ${line}\n`);
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const closed = once(child.stdout!, 'close');
  const exitedEarly = exited.then(([code, signal]) => {
    if (readyLeft > 0) throw new Error(`${name} exited with ${code ?? signal} before it ran:\n${stdout}`);
  });
  // Awaited by whoever waits next; an exit that nobody waits for is reported by interrupt().
  exitedEarly.catch(() => {});
  await Promise.race([waiting, exitedEarly]);
  return {
    pid: child.pid!,
    async go() {
      child.stdin!.end('go\n');
      await Promise.race([ready, exitedEarly]);
    },
    answers: () => answers,
    async interrupt() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const [code, signal] = await exited;
      await closed;
      if (code !== 0) throw new Error(`${name} exited with ${code ?? signal}:\n${stdout}`);
      return stdout;
    },
  };
}
