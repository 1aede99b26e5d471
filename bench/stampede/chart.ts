import type { TimelinePoint } from './types.ts';

export interface ChartInput {
  readonly title: string;
  readonly stock: number;
  readonly timeline: readonly TimelinePoint[];
  /** Requests/s of the better bare node:http baseline, drawn as a reference line. */
  readonly baselineRps?: number | undefined;
  readonly baselineLabel?: string | undefined;
  /** Vertical lines at phase changes (the start of the sale, the sell-out). */
  readonly markers?: ReadonlyArray<{ readonly second: number; readonly label: string }>;
}

const WIDTH = 960;
const PANEL = 220;
const MARGIN = { left: 70, right: 70, top: 76, gap: 50, bottom: 40 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function polyline(points: ReadonlyArray<readonly [number, number]>, colour: string, dash = ''): string {
  const path = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const dashing = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
  return `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashing} points="${path}"/>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Two panels over time, one point a second: throughput with the stock left
 * (top), p50 and p99 latency (bottom), all read from the server's /metrics
 * and its sale. Plain SVG, so it shows in any browser and on GitHub.
 */
export function stampedeChart(input: ChartInput): string {
  const { timeline } = input;
  const lastSecond = timeline.length === 0 ? 1 : timeline[timeline.length - 1]!.second;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x = (second: number) => MARGIN.left + (second / lastSecond) * plotWidth;
  const topY0 = MARGIN.top + PANEL;
  const bottomY0 = topY0 + MARGIN.gap + PANEL;
  const height = bottomY0 + MARGIN.bottom;

  const rpsMax = niceMax(Math.max(input.baselineRps ?? 0, ...timeline.map((p) => p.requestsPerSecond)));
  const latencyMax = niceMax(Math.max(...timeline.map((p) => p.p99Ms), 1));
  const yRps = (v: number) => topY0 - (v / rpsMax) * PANEL;
  const yStock = (v: number) => topY0 - (v / Math.max(input.stock, 1)) * PANEL;
  const yLatency = (v: number) => bottomY0 - (Math.min(v, latencyMax) / latencyMax) * PANEL;

  let left = input.stock;
  const stockPoints: Array<[number, number]> = [[x(0), yStock(left)]];
  for (const point of timeline) {
    left = point.available ?? left;
    stockPoints.push([x(point.second), yStock(left)]);
  }

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escapeXml(input.title)}</text>`,
  ];
  for (const [y0, label, max, unit, right] of [
    [topY0, 'requests/s', rpsMax, '', 'units left'],
    [bottomY0, 'latency', latencyMax, ' ms', ''],
  ] as const) {
    parts.push(
      `<rect x="${MARGIN.left}" y="${y0 - PANEL}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#999"/>`,
    );
    for (let i = 0; i <= 4; i++) {
      const y = y0 - (i / 4) * PANEL;
      const value = (max * i) / 4;
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#eee"/>`,
        `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${Math.round(value).toLocaleString('en')}${unit}</text>`,
      );
      if (right !== '') {
        parts.push(
          `<text x="${MARGIN.left + plotWidth + 6}" y="${y + 4}" fill="#2a7">${Math.round((input.stock * i) / 4).toLocaleString('en')}</text>`,
        );
      }
    }
    parts.push(
      `<text x="14" y="${y0 - PANEL / 2}" transform="rotate(-90 14 ${y0 - PANEL / 2})" text-anchor="middle">${label}</text>`,
    );
    if (right !== '') {
      const xr = WIDTH - 14;
      parts.push(
        `<text x="${xr}" y="${y0 - PANEL / 2}" transform="rotate(90 ${xr} ${y0 - PANEL / 2})" text-anchor="middle" fill="#2a7">${right}</text>`,
      );
    }
    for (let s = 0; s <= lastSecond; s += Math.max(1, Math.ceil(lastSecond / 12))) {
      parts.push(`<text x="${x(s)}" y="${y0 + 16}" text-anchor="middle">${s} s</text>`);
    }
  }
  if (input.baselineRps !== undefined) {
    parts.push(
      polyline(
        [
          [x(0), yRps(input.baselineRps)],
          [x(lastSecond), yRps(input.baselineRps)],
        ],
        '#888',
        '6 4',
      ),
    );
  }
  parts.push(
    polyline(
      timeline.map((p) => [x(p.second), yRps(p.requestsPerSecond)] as const),
      '#2563eb',
    ),
    polyline(stockPoints, '#2a7'),
    polyline(
      timeline.map((p) => [x(p.second), yLatency(p.p50Ms)] as const),
      '#f59e0b',
    ),
    polyline(
      timeline.map((p) => [x(p.second), yLatency(p.p99Ms)] as const),
      '#dc2626',
    ),
  );
  const legend: Array<[string, string]> = [
    ['#2563eb', 'purchase answers/s (server)'],
    ['#2a7', 'units left'],
    ['#888', input.baselineLabel ?? 'bare node:http baseline'],
    ['#f59e0b', 'p50 latency (server)'],
    ['#dc2626', 'p99 latency (server)'],
  ];
  let lx = MARGIN.left;
  let ly = MARGIN.top - 36;
  for (const [colour, text] of legend) {
    const width = 40 + text.length * 6.5;
    if (lx + width > WIDTH - MARGIN.right && lx > MARGIN.left) {
      lx = MARGIN.left;
      ly += 16;
    }
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${lx + 25}" y="${ly + 4}">${escapeXml(text)}</text>`,
    );
    lx += width;
  }
  for (const [index, marker] of (input.markers ?? []).entries()) {
    const mx = x(marker.second);
    const my = MARGIN.top + 12 + index * 14;
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${MARGIN.top}" y2="${bottomY0}" stroke="#555" stroke-dasharray="2 3"/>`,
      `<text x="${mx + 4}" y="${my}" fill="#555">${escapeXml(marker.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
