import type { Sale } from '../../domain/sale.ts';
import { splitStock } from '../../domain/stock-shards.ts';
import { S } from './attributes.ts';
import { type SaleDefinition, saleFromItem, saleToItem } from './ledger-items.ts';
import { saleKey } from './ledger-keys.ts';
import type { LedgerTable } from './ledger-table.ts';
import { queryAll } from './query-pages.ts';
import type { ShardedStock } from './sharded-stock.ts';
import { LEDGER_INDEX } from './tables.ts';

/**
 * The sales of the DynamoDB ledger: opening one (its stock split over shard
 * items, then the sale item `S#<sale>`), reading its definition and listing
 * them all. Sales never change once opened, so every process may keep them.
 */
export class DynamoSaleBook {
  readonly #table: LedgerTable;
  readonly #stock: ShardedStock;
  readonly #stockShards: number;
  readonly #definitions = new Map<string, SaleDefinition>();

  constructor(table: LedgerTable, stock: ShardedStock, stockShards: number) {
    this.#table = table;
    this.#stock = stock;
    this.#stockShards = stockShards;
  }

  async open(sale: Sale): Promise<void> {
    const shards = Math.max(1, Math.min(this.#stockShards, sale.stock));
    // Shards first: a sale is visible only once all of its stock is.
    await this.#stock.create(sale.id, splitStock(sale.stock, shards));
    await this.#table.db.send('PutItem', {
      TableName: this.#table.name,
      Item: saleToItem({ ...sale, shards }),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    this.#remember({ ...sale, shards });
  }

  async definition(saleId: string): Promise<SaleDefinition | undefined> {
    const cached = this.#definitions.get(saleId);
    if (cached !== undefined) return cached;
    const item = await this.#table.item(saleKey(saleId));
    if (item === undefined) return undefined;
    const sale = saleFromItem(item);
    this.#remember(sale);
    return sale;
  }

  /** Every sale, oldest first. */
  async list(): Promise<SaleDefinition[]> {
    const { name, partitionKey } = LEDGER_INDEX.sales;
    const items = await queryAll(this.#table.db, {
      TableName: this.#table.name,
      IndexName: name,
      KeyConditionExpression: '#p = :sale',
      ExpressionAttributeNames: { '#p': partitionKey },
      ExpressionAttributeValues: { ':sale': S('sale') },
    });
    const sales = items.map(saleFromItem);
    for (const sale of sales) this.#remember(sale);
    return sales;
  }

  #remember(sale: SaleDefinition): void {
    if (this.#definitions.size >= 10_000) this.#definitions.clear();
    this.#definitions.set(sale.id, sale);
  }
}
