import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { OsUser } from './run-as.ts';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A process of the fleet, its output appended to a log file of its own. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited (for whatever reason). */
  readonly exited: Promise<Exit>;
  running(): boolean;
  /**
   * Sends `signal` and waits up to `graceMs` for the exit; then SIGKILLs its
   * whole process group (it has one of its own) and waits for that.
   */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<Exit>;
}

/** What each part of the fleet is started with. */
export interface FleetContext {
  /** Redis's and PostgreSQL's data, the signing key. */
  readonly dataDir: string;
  /** Where each process's log goes (`<name>.log`). */
  readonly logDir: string;
  /** Aborted: stop waiting (the fleet then stops what was started). */
  readonly signal: AbortSignal;
  /** Told of each process as soon as it runs, so that the fleet can stop it whatever happens next. */
  readonly started: (process: ManagedProcess) => void;
  readonly progress: (line: string) => void;
}

export interface LaunchOptions {
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this OS user (the fleet must be root to switch). */
  readonly user?: OsUser | undefined;
}

/**
 * Starts a process in a process group of its own: a Ctrl-C at the terminal
 * reaches only the fleet, which then stops its processes in order (servers
 * first, the databases they write to last). Its stdout and stderr go straight
 * to the log file, so the log is complete even if the fleet itself dies.
 */
export function launch(
  name: string,
  command: string,
  args: readonly string[],
  options: LaunchOptions,
): Promise<ManagedProcess> {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: true,
      ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
    });
    let exit: Exit | undefined;
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        resolve(exit);
      });
    });
    return new Promise((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`${name}: cannot start ${command}: ${error.message}`)));
      child.once('spawn', () =>
        resolve({
          name,
          pid: child.pid!,
          logFile: options.logFile,
          exited,
          running: () => exit === undefined,
          async stop(signal, graceMs) {
            if (exit !== undefined) return exit;
            child.kill(signal);
            let timer: NodeJS.Timeout | undefined;
            const late = new Promise<'late'>((r) => {
              timer = setTimeout(() => r('late'), graceMs);
            });
            const first = await Promise.race([exited, late]);
            clearTimeout(timer);
            if (first !== 'late') return first;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // Gone between the timeout and the kill.
            }
            return exited;
          },
        }),
      );
    });
  } finally {
    closeSync(log);
  }
}
