import * as z from 'zod';
import * as requestSchemas from './request-schemas.ts';
import * as responseSchemas from './response-schemas.ts';
import type { Route } from './route.ts';

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema of one zod schema, with named schemas (`.meta({ id })`) moved
 * into `components` and referenced from there.
 */
function jsonSchema(schema: z.ZodType, components: Record<string, JsonSchema>): JsonSchema {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = JSON.parse(
    JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  Object.assign(components, $defs);
  return rest;
}

/** OpenAPI 3.1 generated from the same route table and schemas that serve and validate requests. */
export function buildOpenApi(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, JsonSchema> = {};
  for (const r of routes) {
    if (r.hidden === true) continue;
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: Array<Record<string, unknown>> = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    for (const header of r.headers ?? []) {
      parameters.push({
        name: header.name,
        in: 'header',
        required: false,
        description: header.description,
        schema: { type: 'string' },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const doc of r.responses) {
      responses[String(doc.status)] = {
        description: doc.description,
        ...(doc.schema === undefined
          ? {}
          : {
              content: {
                'application/json': { schema: jsonSchema(doc.schema(responseSchemas), components) },
              },
            }),
      };
    }
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      // A public route that reads a caller who identifies itself: the token is optional.
      ...(r.access === 'public' ? { security: r.identifiesCaller === true ? [{}, { bearer: [] }] : [] } : {}),
      ...(r.access === 'admin' ? { 'x-required-role': 'admin' } : {}),
      ...(r.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(r.body(requestSchemas), components) } },
            },
          }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Flash sale API', version: '1.0.0' },
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
