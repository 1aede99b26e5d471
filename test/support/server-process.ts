import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  /** Everything the process printed on stderr (its log lines) so far. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `node src/runtime/node/main.ts` as a child process (the same file
 * `npm start` runs) and resolves once it logged the URL it listens on.
 */
export async function spawnServer(
  flags: readonly string[],
  timeoutMs = 15_000,
  nodeFlags: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    // Development tokens unless the flags choose otherwise (a later flag wins).
    [
      ...nodeFlags,
      'src/runtime/node/main.ts',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--auth',
      'local',
      // One HTTP thread unless the flags ask for more (see startTestServer).
      '--http-threads',
      '1',
      ...flags,
    ],
    {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${err}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const listening = /^\{.*"message":"listening".*\}$/m.exec(err);
      if (listening !== null) {
        clearTimeout(timer);
        resolve((JSON.parse(listening[0]) as { url: string }).url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${err}`));
    });
  });
  return {
    url,
    child,
    stdout: () => out,
    stderr: () => err,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
