import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { AwsServiceError } from '../aws-lite/aws-json-service.ts';

// Plain AttributeValue helpers instead of @aws-sdk/lib-dynamodb: a handful of
// fields, and a smaller Lambda bundle.

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });

export function str(item: Item, name: string): string {
  const value = item[name];
  if (value?.S === undefined) throw new Error(`item attribute ${name} is not a string`);
  return value.S;
}

export function num(item: Item, name: string): number {
  const value = item[name];
  if (value?.N === undefined) throw new Error(`item attribute ${name} is not a number`);
  return Number(value.N);
}

export function optNum(item: Item, name: string): number | null {
  const value = item[name];
  return value?.N === undefined ? null : Number(value.N);
}

export function optStr(item: Item, name: string): string | null {
  return item[name]?.S ?? null;
}

/** True for the error DynamoDB answers when a ConditionExpression is false. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * True for the error a global table with multi-Region strong consistency
 * answers when the item is being written from another Region at that moment:
 * nothing was applied, and the write may be tried again.
 */
export function isReplicatedWriteConflict(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplicatedWriteConflictException';
}

/** Runs a conditional write; true if it applied, false if its condition was false. */
export async function ignoreConditionFailure(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * True when DynamoDB said no before applying anything (throttled, invalid):
 * a 4xx answer. Time-outs, dropped connections and 5xx answers are ambiguous:
 * the write may or may not have been applied.
 */
export function isDefiniteRejection(error: unknown): boolean {
  const status = error instanceof AwsServiceError ? error.statusCode : undefined;
  return status !== undefined && status >= 400 && status < 500;
}

const NAMESPACE = Buffer.from('6f1b7e2a4c3d4f5e8a9b0c1d2e3f4a5b', 'hex');

/**
 * A name-based UUID (version 5: SHA-1 of a namespace and the name). The
 * ledger derives a reservation's id from its order's id, so one consistent
 * GetItem finds a reservation by either id without a secondary index.
 */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
