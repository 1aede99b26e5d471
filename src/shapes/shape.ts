import type { z } from 'zod';
import type { Backend } from '../ports/backend.ts';
import type { Logger } from '../ports/logger.ts';

/** A shape's own settings: each key is a setting, read from the flag named for it (`redisUrl`: `--redis-url`). */
export type ConfigSchema = z.ZodObject;

/** What the runtime opening a shape gives it besides its own settings. */
export interface ShapeContext {
  /** The server's data directory (`--data-dir`, its signing key lives there too). */
  readonly dataDir: string;
  readonly logger: Logger;
}

/**
 * A storage shape as the registry (`registry.ts`) knows it: its name, its own
 * settings and how to open it.
 *
 * Every key of `configSchema` is a setting, taken from its flag or else from
 * the environment variable `env` names for it. Checks on a single setting run
 * whichever backend is chosen, as a wrong value is wrong anywhere; checks on
 * the whole object (`superRefine`) run only when this shape is the chosen
 * one, for values other programs may have set in the environment (the cluster
 * shape's server URLs).
 *
 * This module holds no driver: `open` loads the shape's adapters with
 * `import()`, so that a server on another shape never loads them.
 */
export interface BackendShape<Schema extends ConfigSchema, Name extends string = string> {
  /** What `--backend` / `BACKEND` calls it. */
  readonly name: Name;
  readonly configSchema: Schema;
  readonly env: { readonly [Key in keyof z.input<Schema>]-?: string };
  /** Whether the server creates a demo sale in an empty store when `--demo-sale` / `DEMO_SALE` is not set. */
  readonly demoSaleByDefault: boolean;
  /** Where the state lives, for the start-up banner (no credentials). */
  describe(config: z.output<Schema>, context: Pick<ShapeContext, 'dataDir'>): string;
  open(config: z.output<Schema>, context: ShapeContext): Promise<Backend>;
}
