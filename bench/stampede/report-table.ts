import type { PhaseSummary } from './types.ts';

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) =>
      row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  '),
    )
    .join('\n');
}

function outcomesText(outcomes: Readonly<Record<string, number>>): string {
  return Object.entries(outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${fmt(n)}`)
    .join(', ');
}

export const PHASE_HEADER = [
  'phase',
  'lasted',
  'req/s',
  'vs best baseline',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  'errors (timeouts)',
  'outcomes',
];

/** One row of the main table; `reference` is the better baseline's req/s. */
export function phaseRow(phase: PhaseSummary, reference: number | undefined): string[] {
  return [
    phase.name,
    `${fmt(phase.toSeconds - phase.fromSeconds, 1)} s`,
    fmt(phase.requestsPerSecond),
    reference === undefined ? '—' : `${fmt(phase.requestsPerSecond / reference, 2)}x`,
    fmt(phase.latencyMs.p50, 1),
    fmt(phase.latencyMs.p90, 1),
    fmt(phase.latencyMs.p99, 1),
    fmt(phase.latencyMs.max, 1),
    `${fmt(phase.socketErrors)} (${fmt(phase.timeouts)})`,
    outcomesText(phase.outcomes),
  ];
}

/** The real server's phases together: throughput and outcomes (percentiles do not add up). */
export function wholeRunRow(phases: readonly PhaseSummary[], reference: number | undefined): string[] {
  const requests = phases.reduce((sum, p) => sum + p.requests, 0);
  const seconds = phases.reduce((sum, p) => sum + p.seconds, 0);
  const outcomes: Record<string, number> = {};
  for (const phase of phases) {
    for (const [name, n] of Object.entries(phase.outcomes)) outcomes[name] = (outcomes[name] ?? 0) + n;
  }
  const rps = requests / Math.max(seconds, 0.001);
  const first = phases[0]?.fromSeconds ?? 0;
  const last = phases[phases.length - 1]?.toSeconds ?? 0;
  return [
    'whole run',
    `${fmt(last - first, 1)} s`,
    fmt(rps),
    reference === undefined ? '—' : `${fmt(rps / reference, 2)}x`,
    '—',
    '—',
    '—',
    fmt(Math.max(0, ...phases.map((p) => p.latencyMs.max)), 1),
    `${fmt(phases.reduce((sum, p) => sum + p.socketErrors, 0))} (${fmt(phases.reduce((sum, p) => sum + p.timeouts, 0))})`,
    outcomesText(outcomes),
  ];
}

export const CPU_HEADER = [
  'phase',
  'generator: of one core',
  'of the machine',
  'server: of one core',
  'of the machine',
  'server: busiest thread',
];

export function cpuRow(phase: PhaseSummary): string[] {
  const { generator, server, serverBusiestThread: busiest } = phase.cpu;
  return [
    phase.name,
    `${fmt(generator.ofOneCore)} %`,
    `${fmt(generator.ofMachine)} %`,
    `${fmt(server.ofOneCore)} %`,
    `${fmt(server.ofMachine)} %`,
    busiest === undefined ? '—' : `${fmt(busiest.ofOneCore)} % (${busiest.name})`,
  ];
}

/** The GraphQL run beside the REST run, phase by phase: req/s, GraphQL's ratio to REST, and p99. */
export function graphqlComparison(rest: readonly PhaseSummary[], graphql: readonly PhaseSummary[]): string[] {
  const rows = graphql.map((phase) => {
    const same = rest.find((p) => p.name === phase.name);
    return [
      phase.name,
      same === undefined ? '—' : fmt(same.requestsPerSecond),
      fmt(phase.requestsPerSecond),
      same === undefined ? '—' : `${fmt(phase.requestsPerSecond / same.requestsPerSecond, 2)}x`,
      same === undefined ? '—' : fmt(same.latencyMs.p99, 1),
      fmt(phase.latencyMs.p99, 1),
    ];
  });
  return [
    'GraphQL (purchase mutation over HTTP) against REST, the same stampede on a fresh server each',
    table([
      ['phase', 'REST req/s', 'GraphQL req/s', 'GraphQL / REST', 'REST p99 ms', 'GraphQL p99 ms'],
      ...rows,
    ]),
  ];
}
