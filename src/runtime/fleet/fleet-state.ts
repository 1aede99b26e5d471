import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A process the fleet started, told apart from a later process that got the same pid by its start time. */
export interface RecordedProcess {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: string;
}

interface State {
  readonly fleet: RecordedProcess;
  readonly processes: readonly RecordedProcess[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `<dataDir>/fleet.json`: which fleet runs from this directory and which
 * processes it started. A fleet stops its processes on Ctrl-C or SIGTERM;
 * one that was SIGKILLed cannot, and the next one started on the same
 * directory stops what it left behind before it starts anything (a second
 * Redis on the same append-only file would corrupt it).
 */
export class FleetState {
  readonly #file: string;
  #processes: RecordedProcess[] = [];

  constructor(dataDir: string) {
    this.#file = join(dataDir, 'fleet.json');
  }

  /**
   * Refuses when a live fleet owns the directory; stops the live processes
   * of a dead one (SIGTERM, then SIGKILL after 20 s), telling `progress`.
   */
  async claim(progress: (line: string) => void): Promise<void> {
    if (!existsSync(this.#file)) return;
    const previous = JSON.parse(readFileSync(this.#file, 'utf8')) as State;
    if (isAlive(previous.fleet)) {
      throw new Error(
        `a fleet (pid ${previous.fleet.pid}) already runs from ${this.#file.replace(/\/fleet\.json$/, '')}: ` +
          `stop it first (Ctrl-C in its terminal, or kill ${previous.fleet.pid})`,
      );
    }
    // Servers first, then the databases they write to, as a fleet stops its own.
    const databasesLast = (p: RecordedProcess) => (p.name === 'redis' || p.name === 'postgres' ? 1 : 0);
    const alive = previous.processes.filter(isAlive).sort((a, b) => databasesLast(a) - databasesLast(b));
    for (const left of alive) {
      progress(`stopping ${left.name} (pid ${left.pid}), left behind by a fleet that was killed`);
      process.kill(left.pid, left.name === 'postgres' ? 'SIGINT' : 'SIGTERM');
      for (let waited = 0; isAlive(left) && waited < 20_000; waited += 100) await sleep(100);
      if (isAlive(left)) process.kill(left.pid, 'SIGKILL');
    }
    rmSync(this.#file);
  }

  /** Records this fleet, before it starts anything. */
  open(): void {
    this.#write();
  }

  record(name: string, pid: number): void {
    this.#processes.push({ name, pid, startedAt: startTime(pid) ?? '' });
    this.#write();
  }

  /** Everything stopped: nothing left for a later fleet to clean up. */
  close(): void {
    rmSync(this.#file, { force: true });
  }

  #write(): void {
    const state: State = {
      fleet: { name: 'fleet', pid: process.pid, startedAt: startTime(process.pid) ?? '' },
      processes: this.#processes,
    };
    writeFileSync(this.#file, `${JSON.stringify(state, null, 2)}\n`);
  }
}

function isAlive(recorded: RecordedProcess): boolean {
  return recorded.startedAt !== '' && startTime(recorded.pid) === recorded.startedAt;
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot): a pid and its start time name one process. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; it lingers until its new parent (init) reaps it.
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}
