import type { ScheduledEvent } from 'aws-lambda';
import { expireDue } from '../../app/orders.ts';
import type { LambdaRuntime } from './compose.ts';
import type { InvocationContext } from './context.ts';

/**
 * Every minute (EventBridge rule): releases unpaid reservations whose payment
 * window closed, and sends again any event the outbox still flags unsent.
 */
export function createSweepHandler(runtime: LambdaRuntime) {
  const { backend, deps, emf, logger } = runtime;
  return async (
    _event: ScheduledEvent | Record<string, never>,
    context?: InvocationContext,
  ): Promise<{ expired: number; relayed: number }> => {
    try {
      const expired = await expireDue(deps);
      const relayed = await backend.relayUnsentEvents(deps.clock.now());
      logger.log('info', 'sweep done', { expired, relayed, requestId: context?.awsRequestId });
      return { expired, relayed };
    } finally {
      emf.flush();
    }
  };
}
