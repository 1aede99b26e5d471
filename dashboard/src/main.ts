import type { DashboardSnapshot } from '../../src/dashboard/snapshot.ts';
import { adminApi, type DeadLetterJson } from './api.ts';
import { formatNumber, TimeChart } from './charts.ts';
import { el, formatDuration, formatMs } from './format.ts';
import { SaleBoard } from './sales.ts';
import { type StreamState, watchSnapshots } from './stream.ts';
import { forgetToken, saveToken, takeToken } from './token.ts';
import './style.css';

const OUTCOMES = [
  { label: 'reserved', color: '#3fb950' },
  { label: 'sold_out', color: '#f85149' },
  { label: 'limit_exceeded', color: '#d29922' },
  { label: 'not_started', color: '#8b949e' },
  { label: 'rate_limited', color: '#a371f7' },
  { label: 'other', color: '#db61a2' },
] as const;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function showLogin(message = ''): void {
  byId('board').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message;
}

function start(token: string): () => void {
  byId('login').hidden = true;
  byId('board').hidden = false;
  const api = adminApi(token);
  const sales = new SaleBoard(byId('sales'));
  const purchases = new TimeChart(byId('purchase-chart'), OUTCOMES, { unit: '/s' });
  const latency = new TimeChart(
    byId('latency-chart'),
    [
      { label: 'p50', color: '#58a6ff' },
      { label: 'p99', color: '#f0883e' },
    ],
    { unit: ' ms' },
  );
  const queue = new TimeChart(byId('queue-chart'), [
    { label: 'waiting', color: '#58a6ff' },
    { label: 'dead letters', color: '#f85149' },
  ]);
  /** Server time minus browser time, so that new sales start when the server says so. */
  let skewMs = 0;
  let deadCount = -1;

  const render = (s: DashboardSnapshot): void => {
    skewMs = s.at - Date.now();
    byId('server-time').textContent = `${s.backend} · server time ${new Date(s.at).toLocaleTimeString()}`;
    byId('alarms').replaceChildren(
      el('h2', {}, 'Alarms'),
      s.alarms.length === 0
        ? el('p', { class: 'muted' }, 'No alarm rules (ALARMS=[]).')
        : el(
            'ul',
            {},
            ...s.alarms.map((a) =>
              el(
                'li',
                { class: a.state === 'ALARM' ? 'alarm' : 'ok' },
                `${a.state === 'ALARM' ? '● ALARM' : '○ OK'}  ${a.name} since ${new Date(a.since).toLocaleTimeString()}` +
                  (a.lastValue === null ? '' : ` (last value ${a.lastValue})`),
              ),
            ),
          ),
    );
    if (s.storeError !== null) byId('sales-more').textContent = `The store did not answer: ${s.storeError}`;
    else
      byId('sales-more').textContent =
        s.salesNotShown > 0 ? `${s.salesNotShown} older sale(s) not shown (see GET /v1/sales).` : '';
    sales.update(s.sales, s.at);

    const rates = OUTCOMES.map(({ label }) =>
      label === 'other'
        ? Object.entries(s.purchases.perSecond)
            .filter(([k]) => !OUTCOMES.some((o) => o.label === k))
            .reduce((sum, [, v]) => sum + v, 0)
        : (s.purchases.perSecond[label] ?? 0),
    );
    purchases.push(s.at, rates);
    byId('purchase-totals').replaceChildren(
      el(
        'tr',
        {},
        el('th', {}, 'since start'),
        ...Object.keys(s.purchases.total).map((k) => el('th', {}, k)),
      ),
      el(
        'tr',
        {},
        el('td', {}, ''),
        ...Object.values(s.purchases.total).map((v) => el('td', {}, formatNumber(v))),
      ),
    );

    const l = s.purchases.latency;
    byId('latency-figures').replaceChildren(
      figure('p50', formatMs(l.p50Ms, l.ceilingMs)),
      figure('p99', formatMs(l.p99Ms, l.ceilingMs)),
      figure(`answers, last ${formatDuration(l.windowSeconds * 1000)}`, formatNumber(l.count)),
    );
    latency.push(s.at, [l.p50Ms, l.p99Ms]);

    const q = s.queue;
    if (q === null) {
      byId('queue-figures').replaceChildren(el('p', { class: 'error' }, 'queue: no answer from the store'));
    } else {
      byId('queue-figures').replaceChildren(
        figure('waiting', formatNumber(q.pending)),
        figure(
          'oldest waiting',
          !q.oldestPendingAgeKnown
            ? 'n/a'
            : q.oldestPendingAgeMs === null
              ? '—'
              : formatDuration(q.oldestPendingAgeMs),
        ),
        figure('dead letters', formatNumber(q.dead), q.dead > 0 ? 'error' : ''),
      );
      queue.push(s.at, [q.pending, q.dead]);
      if (q.dead !== deadCount) {
        deadCount = q.dead;
        void refreshDeadLetters();
      }
    }
  };

  const refreshDeadLetters = async (): Promise<void> => {
    const box = byId('dead-letters');
    try {
      const { deadLetters } = await api.deadLetters();
      box.replaceChildren(
        deadLetters.length === 0
          ? el('p', { class: 'muted' }, 'None.')
          : el(
              'div',
              {},
              redriveAllButton(deadLetters),
              el('ul', { class: 'letters' }, ...deadLetters.slice(0, 20).map(letterItem)),
            ),
      );
    } catch (error) {
      box.replaceChildren(el('p', { class: 'error' }, String(error)));
    }
  };

  const redrive = async (ids: readonly string[]): Promise<void> => {
    const results = await Promise.allSettled(ids.map((id) => api.redrive(id)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    const result = byId('redrive-result');
    result.className = failed > 0 ? 'error' : 'ok';
    result.textContent = `Redrove ${ids.length - failed} of ${ids.length}.`;
    deadCount = -1;
  };

  const redriveAllButton = (letters: readonly DeadLetterJson[]) => {
    const button = el(
      'button',
      { type: 'button', 'data-testid': 'redrive-all' },
      `Redrive all (${letters.length})`,
    );
    button.addEventListener('click', () => void redrive(letters.map((l) => l.id)));
    return button;
  };

  const letterItem = (letter: DeadLetterJson) => {
    const button = el('button', { type: 'button' }, 'Redrive');
    button.addEventListener('click', () => void redrive([letter.id]));
    return el(
      'li',
      {},
      el('code', {}, letter.topic),
      ` ${letter.attempts} attempts, ${letter.failedAt}: `,
      el('span', { class: 'muted' }, letter.lastError),
      ' ',
      button,
    );
  };

  const form = byId<HTMLFormElement>('create-sale');
  form.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const num = (name: string) => Number(data.get(name));
    const startsAt = Date.now() + skewMs + num('startsIn') * 1000;
    const result = byId('create-result');
    try {
      const sale = await api.createSale({
        sku: String(data.get('sku')),
        name: String(data.get('name')),
        stock: num('stock'),
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + num('lasts') * 60_000).toISOString(),
        perUserLimit: num('perUserLimit'),
        priceCents: num('priceCents'),
        currency: String(data.get('currency')),
        paymentWindowSeconds: num('paymentWindowSeconds'),
      });
      result.className = 'ok';
      result.textContent = `Created sale ${sale.id}.`;
    } catch (error) {
      result.className = 'error';
      result.textContent = String(error instanceof Error ? error.message : error);
    }
  };

  const connection = byId('connection');
  const onState = (state: StreamState) => {
    connection.className = `pill state-${state.kind}`;
    connection.textContent =
      state.kind === 'live'
        ? 'live'
        : state.kind === 'connecting'
          ? 'connecting…'
          : state.kind === 'lost'
            ? `connection lost, retrying in ${Math.round(state.retryInMs / 1000)} s`
            : `refused (${state.status})`;
    if (state.kind === 'refused') {
      forgetToken();
      showLogin(
        state.status === 403
          ? 'That token is not an admin token.'
          : `The server refused the token: ${state.message || 'sign in again'}.`,
      );
    }
  };
  return watchSnapshots(token, render, onState);
}

function figure(label: string, value: string, tone = ''): HTMLElement {
  return el(
    'div',
    { class: `figure ${tone}` },
    el('div', { class: 'value' }, value),
    el('div', { class: 'label' }, label),
  );
}

let stop: (() => void) | undefined;
byId<HTMLFormElement>('login-form').onsubmit = (event) => {
  event.preventDefault();
  const token = byId<HTMLInputElement>('token-input').value.trim();
  if (token === '') return;
  saveToken(token);
  stop?.();
  stop = start(token);
};
const token = takeToken();
if (token === undefined) showLogin();
else stop = start(token);
