import { z } from 'zod';
import type { Backend } from '../ports/backend.ts';
import { clusterShape } from './cluster-shape.ts';
import { embeddedShape } from './embedded-shape.ts';
import type { BackendShape, ShapeContext } from './shape.ts';

/**
 * The shapes the Node server and the `flashsale` command open, by the name
 * `--backend` / `BACKEND` takes. Adding a shape is one line here.
 */
const shapes = {
  embedded: embeddedShape,
  cluster: clusterShape,
};

/**
 * Shapes another runtime runs, named so that choosing one here says where it
 * runs. The AWS shape's Lambda functions open it without this module (see
 * src/runtime/lambda/compose.ts): each function runs that one shape.
 */
const RUN_ELSEWHERE: Readonly<Record<string, string>> = {
  aws: 'runs as AWS Lambda functions (npm run build:lambda, docs/aws.md), not under the Node server',
};

type Schemas = { readonly [Name in keyof typeof shapes]: (typeof shapes)[Name]['configSchema'] };
export type ShapeName = keyof Schemas;
export type ShapeConfig<Name extends ShapeName> = z.output<Schemas[Name]>;

/** The registry, typed so that each shape is listed under its own name and only ever handed its own config. */
const SHAPES: { readonly [Name in ShapeName]: BackendShape<Schemas[Name], Name> } = shapes;

export const SHAPE_NAMES = Object.keys(SHAPES) as [ShapeName, ...ShapeName[]];

/** The chosen shape with its config. */
export type BackendChoice = {
  readonly [Name in ShapeName]: { readonly name: Name; readonly config: ShapeConfig<Name> };
}[ShapeName];

/** Why `name` is not a backend the Node server can run, with the names it can. */
export function notAShape(name: string): string {
  const valid = `the Node server runs: ${SHAPE_NAMES.join(', ')}`;
  const elsewhere = RUN_ELSEWHERE[name];
  return elsewhere === undefined ? `unknown backend "${name}"; ${valid}` : `${name} ${elsewhere}; ${valid}`;
}

/** Every setting key of every shape with its environment variable. */
export function shapeSettings(): Array<readonly [key: string, env: string]> {
  return Object.values(SHAPES).flatMap((shape) => Object.entries<string>(shape.env));
}

/**
 * Runs the checks on single settings of every shape, chosen or not: a wrong
 * value stops the start whichever shape it is meant for (see BackendShape).
 */
export function checkEveryShapeSetting(raw: Readonly<Record<string, unknown>>): z.core.$ZodIssue[] {
  return Object.values(SHAPES).flatMap(
    (shape) => z.object(shape.configSchema.shape).safeParse(raw).error?.issues ?? [],
  );
}

/** Reads the named shape's config out of the raw settings (flags and environment variables). */
export function chooseShape(
  name: ShapeName,
  raw: Readonly<Record<string, unknown>>,
): { readonly choice: BackendChoice } | { readonly error: z.ZodError } {
  const parsed = SHAPES[name].configSchema.safeParse(raw);
  if (!parsed.success) return { error: parsed.error };
  // The config was read by the schema of the shape `name` names: they belong together, which
  // TypeScript cannot follow through a union of names.
  return { choice: { name, config: parsed.data } as BackendChoice };
}

/** Whether the named shape makes a demo sale in an empty store unless told otherwise. */
export function demoSaleByDefault(name: ShapeName): boolean {
  return SHAPES[name].demoSaleByDefault;
}

/** Opens the chosen shape, loading its adapters (and their drivers) only now. */
export function openBackend<Name extends ShapeName>(
  choice: { readonly name: Name; readonly config: ShapeConfig<Name> },
  context: ShapeContext,
): Promise<Backend> {
  return SHAPES[choice.name].open(choice.config, context);
}

/** Where the chosen shape keeps its state, for the start-up banner (no credentials). */
export function describeBackend<Name extends ShapeName>(
  choice: { readonly name: Name; readonly config: ShapeConfig<Name> },
  context: Pick<ShapeContext, 'dataDir'>,
): string {
  return SHAPES[choice.name].describe(choice.config, context);
}
