import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  readonly label: string;
  readonly color: string;
}

const KEEP_POINTS = 300;

/**
 * A time chart that keeps the last five minutes of points (one a second)
 * and redraws on each push. Built on uPlot: small, canvas, fast enough to
 * redraw every second without a framework.
 */
export class TimeChart {
  readonly #plot: uPlot;
  readonly #data: number[][];
  readonly #element: HTMLElement;

  constructor(element: HTMLElement, series: readonly SeriesSpec[], options: { readonly unit?: string } = {}) {
    this.#element = element;
    this.#data = [[], ...series.map(() => [])];
    this.#plot = new uPlot(
      {
        width: Math.max(240, element.clientWidth),
        height: 160,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [
          { stroke: '#8b949e', grid: { stroke: '#21262d' } },
          {
            stroke: '#8b949e',
            grid: { stroke: '#21262d' },
            size: 72,
            values: (_u, ticks) => ticks.map((t) => `${formatNumber(t)}${options.unit ?? ''}`),
          },
        ],
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } })),
        ],
      },
      this.#data as uPlot.AlignedData,
      element,
    );
    new ResizeObserver(() =>
      this.#plot.setSize({ width: Math.max(240, this.#element.clientWidth), height: 160 }),
    ).observe(element);
  }

  /** One point per series at `at` (ms); null leaves a gap. */
  push(at: number, values: ReadonlyArray<number | null>): void {
    this.#data[0]!.push(at / 1000);
    values.forEach((value, i) => {
      (this.#data[i + 1] as Array<number | null>).push(value);
    });
    if (this.#data[0]!.length > KEEP_POINTS) for (const column of this.#data) column.shift();
    this.#plot.setData(this.#data as uPlot.AlignedData);
  }
}

export function formatNumber(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  if (Number.isInteger(value)) return value.toLocaleString('en');
  return value.toFixed(value < 10 ? 1 : 0);
}
