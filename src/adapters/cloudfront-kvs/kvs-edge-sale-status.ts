// The KeyValueStore API is signed with SigV4A (its endpoint is global): this registers the SDK's
// JavaScript SigV4A signer, which the client's multi-region signer looks up (no native CRT build).
import '@aws-sdk/signature-v4a';
import {
  CloudFrontKeyValueStoreClient,
  type CloudFrontKeyValueStoreClientConfig,
  ConflictException,
  DeleteKeyCommand,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  PutKeyCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { EdgeSaleStatus, SoldOutMark } from '../../ports/edge-sale-status.ts';

/** The keys infra/edge/sale-gate.js reads; change both together. */
export const edgeKeys = {
  start: (saleId: string) => `start:${saleId}`,
  soldOut: (saleId: string) => `sold_out:${saleId}`,
} as const;

/** A write retried this often when another writer changed the store between our ETag and our write. */
const WRITE_ATTEMPTS = 4;

/**
 * A CloudFront KeyValueStore as the edge's sale status. Every write names
 * the store's current ETag (the whole store's version, not the key's), so
 * concurrent writers conflict even on different keys: a conflict re-reads
 * the ETag and writes again. The keys' values are small JSON objects.
 */
export class KvsEdgeSaleStatus implements EdgeSaleStatus {
  readonly #client: CloudFrontKeyValueStoreClient;
  readonly #kvsArn: string;
  #etag: string | undefined;

  constructor(kvsArn: string, config: CloudFrontKeyValueStoreClientConfig = {}) {
    this.#kvsArn = kvsArn;
    // Bounded: a cancellation waits on its clears, and an unreachable store must not hold it long.
    this.#client = new CloudFrontKeyValueStoreClient({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
      ...config,
    });
  }

  publishStart(saleId: string, startsAt: number): Promise<void> {
    return this.#put(edgeKeys.start(saleId), JSON.stringify({ startsAt }));
  }

  publishSoldOut(saleId: string, mark: SoldOutMark): Promise<void> {
    return this.#put(edgeKeys.soldOut(saleId), JSON.stringify({ until: mark.until }));
  }

  async clearSoldOut(saleId: string): Promise<void> {
    const Key = edgeKeys.soldOut(saleId);
    await this.#write(async (IfMatch) => {
      try {
        return await this.#client.send(new DeleteKeyCommand({ KvsARN: this.#kvsArn, Key, IfMatch }));
      } catch (error) {
        // Already gone: nothing to remove, and the ETag we hold is still the store's.
        if (error instanceof ResourceNotFoundException) return { ETag: IfMatch };
        throw error;
      }
    });
  }

  async soldOutMark(saleId: string): Promise<SoldOutMark | undefined> {
    try {
      const { Value } = await this.#client.send(
        new GetKeyCommand({ KvsARN: this.#kvsArn, Key: edgeKeys.soldOut(saleId) }),
      );
      const parsed: unknown = JSON.parse(Value ?? 'null');
      const until = (parsed as { until?: unknown } | null)?.until;
      return typeof until === 'number' ? { until } : undefined;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  close(): void {
    this.#client.destroy();
  }

  #put(Key: string, Value: string): Promise<void> {
    return this.#write((IfMatch) =>
      this.#client.send(new PutKeyCommand({ KvsARN: this.#kvsArn, Key, Value, IfMatch })),
    );
  }

  async #write(send: (etag: string) => Promise<{ ETag?: string | undefined }>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const etag = this.#etag ?? (await this.#describe());
      try {
        this.#etag = (await send(etag)).ETag;
        return;
      } catch (error) {
        this.#etag = undefined;
        if (!(error instanceof ConflictException) || attempt >= WRITE_ATTEMPTS) throw error;
      }
    }
  }

  async #describe(): Promise<string> {
    const { ETag } = await this.#client.send(new DescribeKeyValueStoreCommand({ KvsARN: this.#kvsArn }));
    if (ETag === undefined) throw new Error('DescribeKeyValueStore answered without an ETag');
    return ETag;
  }
}
