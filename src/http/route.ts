import type { z } from 'zod';
import type { Actor } from '../domain/actor.ts';
import type * as requestSchemaModule from './request-schemas.ts';
import type * as responseSchemaModule from './response-schemas.ts';
import type { HttpRequest, ResponseStream } from './types.ts';

/**
 * The schema modules. Routes name their schemas with a function of one
 * rather than holding them: a module (with zod, and every schema in it built)
 * is imported when first needed, not when the app is made (a Lambda cold
 * start): the request bodies' when a request first has a body to check, the
 * responses' only for the OpenAPI document.
 */
export type RequestSchemas = typeof requestSchemaModule;
export type ResponseSchemas = typeof responseSchemaModule;

export type Access = 'public' | 'shopper' | 'admin';

export interface RouteContext<Body> {
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly actor: Actor | undefined;
  readonly body: Body;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The client's IP address: X-Forwarded-For read only behind a trusted proxy (client-address.ts). */
  readonly clientAddress: string | undefined;
  /** The request's id (its X-Request-Id or a fresh one), carried into the events it causes. */
  readonly requestId: string;
  /** The request as received, for a route that reads it whole (GraphQL). */
  readonly request: HttpRequest;
}

export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string> | undefined;
  /** Raw text (Prometheus, for instance) instead of JSON. */
  readonly contentType?: string;
  /** Sent after the headers, instead of the body (Server-Sent Events). */
  readonly stream?: ResponseStream;
}

export interface RouteHeaderDoc {
  readonly name: string;
  readonly description: string;
}

export interface RouteResponseDoc {
  readonly status: number;
  readonly description: string;
  readonly schema?: (schemas: ResponseSchemas) => z.ZodType;
}

export interface Route<Body = unknown> {
  readonly method: 'GET' | 'POST';
  /** A path pattern with named parameters (rou3 syntax): /v1/sales/:id */
  readonly path: string;
  readonly access: Access;
  /** A public route that still reads who is asking when a caller identifies itself (`context.actor`). */
  readonly identifiesCaller?: boolean;
  readonly summary: string;
  readonly body?: (schemas: RequestSchemas) => z.ZodType<Body>;
  /** Request headers the route reads, for the OpenAPI document. */
  readonly headers?: readonly RouteHeaderDoc[];
  readonly responses: readonly RouteResponseDoc[];
  /** Left out of the OpenAPI document (the dashboard's files). */
  readonly hidden?: boolean;
  handle(context: RouteContext<Body>): Promise<RouteResult>;
}

/** Keeps each route's body type tied to its schema while the table holds them all. */
export function route<Body>(definition: Route<Body>): Route {
  return definition as Route;
}

export function param(context: RouteContext<unknown>, name: string): string {
  return context.params[name] ?? '';
}
