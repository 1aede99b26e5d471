import type { OrderEvent } from '../../../domain/order.ts';

/**
 * What the state machine sends the workflow function, one shape per step
 * (the definition's `Payload`s). Shared by the handler and the definition,
 * so the two cannot drift apart.
 */
export type WorkflowStepEvent =
  | { readonly step: 'inspect'; readonly orderId: string }
  | { readonly step: 'record'; readonly orderId: string; readonly event: OrderEvent }
  | { readonly step: 'await-payment'; readonly orderId: string; readonly taskToken: string }
  | { readonly step: 'release-on-timeout'; readonly orderId: string };

export type WorkflowStepName = WorkflowStepEvent['step'];

export const ORDER_EVENTS: readonly OrderEvent[] = ['confirmed', 'paid', 'expired', 'cancelled'];
