import type { Context } from 'aws-lambda';

/** Only the fields of the Lambda context the handlers use (tests pass a plain object). */
export type InvocationContext = Pick<Context, 'awsRequestId'>;
