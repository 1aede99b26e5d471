import { GraphQLError } from 'graphql';
import { refusalOf } from './refusals.ts';

/**
 * The GraphQL error for a resolver's error. Like the refusals it words, it
 * captures no stack trace: a stampede makes millions of sold_out, and the
 * executor and graphql-yoga each copy the error again (to add its path, to
 * drop internals). A GraphQLError takes its original error's stack when that
 * has one, so each copy is given a plain one to take rather than capture its
 * own.
 */
export function toGraphqlError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const { message, extensions } = refusalOf(error);
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const original = new Error(message);
    Object.defineProperty(original, 'stack', { value: `${extensions.code}: ${message}` });
    return new GraphQLError(message, { extensions: { ...extensions }, originalError: original });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
