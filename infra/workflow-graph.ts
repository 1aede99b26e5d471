// Reads an ASL definition as a graph: its edges (for the diagram in docs/aws.md) and the order status
// moves its paths make (to check against the domain's order state machine).
import { applyOrderEvent, FINAL_STATUSES, type OrderEvent, type OrderStatus } from '../src/domain/order.ts';
import type { AslDefinition, AslState } from './order-workflow-definition.ts';

export interface Edge {
  readonly from: string;
  readonly to: string;
  /** What takes this edge: a Choice's value, a caught error; none for Next. */
  readonly label?: string;
}

export function edgesOf(definition: AslDefinition): Edge[] {
  const edges: Edge[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (typeof state.Next === 'string') edges.push({ from: name, to: state.Next });
    for (const choice of (state.Choices as Array<Record<string, unknown>> | undefined) ?? []) {
      edges.push({ from: name, to: String(choice.Next), label: String(choice.StringEquals) });
    }
    if (typeof state.Default === 'string') edges.push({ from: name, to: state.Default, label: 'otherwise' });
    for (const catcher of (state.Catch as Array<Record<string, unknown>> | undefined) ?? []) {
      const errors = (catcher.ErrorEquals as string[]).join(', ');
      edges.push({ from: name, to: String(catcher.Next), label: errors === 'States.ALL' ? 'error' : errors });
    }
  }
  return edges;
}

/** The order event a state writes to the order record (a `record` step's Payload.event), if any. */
export function eventWrittenBy(state: AslState): OrderEvent | undefined {
  const payload = (state.Parameters as { Payload?: Record<string, unknown> } | undefined)?.Payload;
  return payload?.step === 'record' ? (payload.event as OrderEvent) : undefined;
}

export interface StatusMove {
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  /** The state that makes the move. */
  readonly state: string;
}

/**
 * Every order status move some path of the definition makes, starting from
 * `pending` (no record yet), and the status each path ends in. A state that
 * writes an event moves the status to that event; the others leave it.
 */
export function statusMovesOf(definition: AslDefinition): {
  moves: StatusMove[];
  endings: Array<{ readonly state: string; readonly status: OrderStatus }>;
} {
  const next = new Map<string, string[]>();
  for (const edge of edgesOf(definition)) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const moves = new Map<string, StatusMove>();
  const endings = new Map<string, { state: string; status: OrderStatus }>();
  const seen = new Set<string>();
  const visit = (name: string, status: OrderStatus): void => {
    const state = definition.States[name];
    if (state === undefined) throw new Error(`the definition has no state ${name}`);
    const event = eventWrittenBy(state);
    const after: OrderStatus = event ?? status;
    if (event !== undefined)
      moves.set(`${status}>${event}@${name}`, { from: status, to: event, state: name });
    const key = `${name}@${after}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (state.End === true || state.Type === 'Succeed') endings.set(key, { state: name, status: after });
    for (const target of next.get(name) ?? []) visit(target, after);
  };
  visit(definition.StartAt, 'pending');
  return { moves: [...moves.values()], endings: [...endings.values()] };
}

/** The definition as a Mermaid state diagram (docs/aws.md holds it; a test keeps the two equal). */
export function mermaidOf(definition: AslDefinition): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${definition.StartAt}`];
  for (const edge of edgesOf(definition)) {
    lines.push(`  ${edge.from} --> ${edge.to}${edge.label === undefined ? '' : `: ${edge.label}`}`);
  }
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail')
      lines.push(`  ${name} --> [*]`);
  }
  for (const [name, state] of Object.entries(definition.States)) {
    const event = eventWrittenBy(state);
    if (event !== undefined) lines.push(`  note right of ${name}: order ${event}`);
  }
  return lines.join('\n');
}

const STATUSES: readonly OrderStatus[] = ['pending', 'confirmed', 'paid', 'expired', 'cancelled'];
const EVENTS: readonly OrderEvent[] = ['confirmed', 'paid', 'expired', 'cancelled'];

/** Every move the domain allows: (from, to) where `applyOrderEvent` answers `move`. */
export function domainMoves(): Array<{ readonly from: OrderStatus; readonly to: OrderStatus }> {
  return STATUSES.flatMap((from) =>
    EVENTS.flatMap((event) => {
      const transition = applyOrderEvent(from, event);
      return transition.kind === 'move' ? [{ from, to: transition.to }] : [];
    }),
  );
}

/**
 * What sets the definition apart from the domain's order state machine: a
 * move some path makes that the domain forbids, a move the domain allows
 * that no path makes, a path that ends with the order not final. Empty when
 * the two agree.
 */
export function disagreementsWithDomain(definition: AslDefinition): string[] {
  const { moves, endings } = statusMovesOf(definition);
  const problems: string[] = [];
  for (const move of moves) {
    const transition = applyOrderEvent(move.from, move.to as OrderEvent);
    if (transition.kind !== 'move' || transition.to !== move.to) {
      problems.push(`${move.state} moves ${move.from} -> ${move.to}, which the domain forbids`);
    }
  }
  for (const allowed of domainMoves()) {
    if (!moves.some((move) => move.from === allowed.from && move.to === allowed.to)) {
      problems.push(`no path moves ${allowed.from} -> ${allowed.to}, which the domain allows`);
    }
  }
  for (const ending of endings) {
    if (!FINAL_STATUSES.has(ending.status)) {
      problems.push(`a path ends at ${ending.state} with the order ${ending.status}, not final`);
    }
  }
  return problems;
}
