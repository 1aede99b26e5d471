import type { SaleFigures } from '../../src/dashboard/snapshot.ts';
import { TimeChart } from './charts.ts';
import { el, formatDuration } from './format.ts';

const ORDER_STATUSES = ['confirmed', 'paid', 'expired', 'cancelled'] as const;

/** One sale's card: countdown, units left (figure, bar, chart) and orders by status. */
class SaleCard {
  readonly element: HTMLElement;
  readonly #status: HTMLElement;
  readonly #clock: HTMLElement;
  readonly #units: HTMLElement;
  readonly #bar: HTMLElement;
  readonly #orders: HTMLElement;
  readonly #chart: TimeChart;

  constructor(sale: SaleFigures) {
    this.#status = el('span', { class: 'pill', 'data-testid': 'sale-status' });
    this.#clock = el('div', { class: 'muted', 'data-testid': 'sale-clock' });
    this.#units = el('div', { class: 'units', 'data-testid': 'units-left' });
    this.#bar = el('div', { class: 'bar-fill' });
    this.#orders = el('table', { class: 'figures', 'data-testid': 'orders' });
    const chart = el('div', { class: 'chart small' });
    this.element = el(
      'article',
      { class: 'sale', 'data-testid': 'sale', 'data-sale-id': sale.id },
      el('h3', {}, sale.name, ' ', el('span', { class: 'muted' }, sale.sku)),
      el('div', { class: 'row' }, this.#status, this.#clock),
      this.#units,
      el('div', { class: 'bar' }, this.#bar),
      chart,
      this.#orders,
    );
    this.#chart = new TimeChart(chart, [{ label: 'units left', color: '#58a6ff' }]);
  }

  update(sale: SaleFigures, at: number): void {
    this.#status.textContent = sale.status.replace('_', ' ');
    this.#status.className = `pill status-${sale.status}`;
    this.#clock.textContent =
      sale.status === 'upcoming'
        ? `starts in ${formatDuration(sale.startsAt - at)}`
        : sale.status === 'ended'
          ? `ended ${new Date(sale.endsAt).toLocaleString()}`
          : `ends in ${formatDuration(sale.endsAt - at)}`;
    this.#units.textContent = `${sale.available.toLocaleString('en')} / ${sale.stock.toLocaleString('en')} units left`;
    this.#bar.style.width = `${(100 * sale.available) / Math.max(1, sale.stock)}%`;
    this.#orders.replaceChildren(
      el('tr', {}, ...ORDER_STATUSES.map((s) => el('th', {}, s))),
      el(
        'tr',
        {},
        ...ORDER_STATUSES.map((s) => el('td', { 'data-status': s }, sale.orders[s].toLocaleString('en'))),
      ),
    );
    this.#chart.push(at, [sale.available]);
  }
}

export class SaleBoard {
  readonly #container: HTMLElement;
  readonly #cards = new Map<string, SaleCard>();

  constructor(container: HTMLElement) {
    this.#container = container;
  }

  update(sales: readonly SaleFigures[], at: number): void {
    const seen = new Set<string>();
    const ordered: HTMLElement[] = [];
    for (const sale of sales) {
      seen.add(sale.id);
      let card = this.#cards.get(sale.id);
      if (card === undefined) {
        card = new SaleCard(sale);
        this.#cards.set(sale.id, card);
        this.#container.append(card.element);
      }
      card.update(sale, at);
      ordered.push(card.element);
    }
    for (const [id, card] of this.#cards) {
      if (!seen.has(id)) {
        card.element.remove();
        this.#cards.delete(id);
      }
    }
    if (sales.length === 0)
      this.#container.replaceChildren(el('p', { class: 'muted' }, 'No sales yet: create one below.'));
    else if (ordered.some((e, i) => this.#container.children[i] !== e))
      this.#container.replaceChildren(...ordered);
  }
}
