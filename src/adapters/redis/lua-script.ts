import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The subset of an ioredis client a script needs. */
export interface ScriptRunner {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * A Lua file beside the adapter, run by its SHA1 and sent in full only when
 * the server does not know it yet (first call, or after a restart).
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;
  readonly name: string;

  constructor(fileName: string) {
    this.name = fileName;
    this.#source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
  }

  async run(
    redis: ScriptRunner,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
