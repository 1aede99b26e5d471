import type { SoldOutListener, SoldOutSignal } from '../../ports/sold-out-signal.ts';
import { ProcessBroadcast } from './process-broadcast.ts';

interface SoldOutMessage {
  readonly saleId: string;
  readonly soldOut: boolean;
}

function isSoldOutMessage(data: unknown): data is SoldOutMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  return typeof message.saleId === 'string' && typeof message.soldOut === 'boolean';
}

/**
 * Sold-out announcements between the threads of one process (a
 * ProcessBroadcast). Enough for the embedded shape and for a warm Lambda
 * instance; the cluster shape carries them over Redis instead.
 */
export class BroadcastSoldOutSignal implements SoldOutSignal {
  readonly #channel: ProcessBroadcast<SoldOutMessage>;

  constructor(channelName = 'flashsale:sold-out') {
    this.#channel = new ProcessBroadcast(channelName, isSoldOutMessage);
  }

  announce(saleId: string, soldOut: boolean): void {
    this.#channel.post({ saleId, soldOut });
  }

  subscribe(listener: SoldOutListener): () => void {
    return this.#channel.subscribe((message) => listener(message.saleId, message.soldOut));
  }

  async close(): Promise<void> {
    this.#channel.close();
  }
}
