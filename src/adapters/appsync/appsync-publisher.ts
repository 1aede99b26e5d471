import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { AwsCredentialIdentity, Provider } from '@aws-sdk/types';
import { SignatureV4 } from '@smithy/signature-v4';
import type { OrderNotification, OrderNotifier } from '../../ports/order-notifier.ts';

/** The fields every subscriber receives: AppSync pushes what the mutation selected. */
const PUBLISH_ORDER = `mutation Publish($input: OrderUpdateInput!) {
  publishOrderUpdate(input: $input) { orderId saleId userId status quantity at }
}`;
const PUBLISH_SALE = `mutation Publish($input: SaleStatusInput!) {
  publishSaleStatus(input: $input) { saleId status available at }
}`;

export interface SaleStatusNotice {
  readonly saleId: string;
  readonly status: 'upcoming' | 'live' | 'sold_out' | 'ended';
  readonly available: number;
  readonly at: number;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** SHA-256 (and HMAC) for the signer, from node:crypto. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

export interface AppSyncPublisherOptions {
  /** The API's GraphQL endpoint: https://<id>.appsync-api.<region>.amazonaws.com/graphql */
  readonly url: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  readonly fetch?: typeof fetch;
}

/**
 * Pushes order and sale changes to an AppSync API's subscribers: calls the
 * schema's `publishOrderUpdate` / `publishSaleStatus` mutations (resolved by
 * a NONE data source; `@aws_subscribe` fans them out), signed with the
 * function's IAM role (SigV4). A refusal or an error in the answer throws,
 * so the consumer retries the event as it does when SNS fails.
 */
export class AppSyncPublisher implements OrderNotifier {
  readonly #url: URL;
  readonly #signer: SignatureV4;
  readonly #fetch: typeof fetch;

  constructor(options: AppSyncPublisherOptions) {
    this.#url = new URL(options.url);
    this.#signer = new SignatureV4({
      service: 'appsync',
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
    });
    this.#fetch = options.fetch ?? fetch;
  }

  async orderChanged(change: OrderNotification): Promise<void> {
    await this.#call(PUBLISH_ORDER, {
      orderId: change.orderId,
      saleId: change.saleId,
      userId: change.userId,
      status: change.status,
      quantity: change.quantity,
      at: new Date(change.at).toISOString(),
    });
  }

  async saleChanged(notice: SaleStatusNotice): Promise<void> {
    await this.#call(PUBLISH_SALE, { ...notice, at: new Date(notice.at).toISOString() });
  }

  async #call(query: string, input: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify({ query, variables: { input } });
    const url = this.#url;
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const response = await this.#fetch(url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`AppSync answered ${response.status}: ${text.slice(0, 300)}`);
    const answer = JSON.parse(text) as { errors?: Array<{ message?: string }> };
    if (answer.errors !== undefined && answer.errors.length > 0) {
      throw new Error(`AppSync refused the publication: ${answer.errors[0]?.message ?? 'unknown error'}`);
    }
  }
}
