import type { Logger } from '../ports/logger.ts';
import type { AlarmTransition } from './alarms.ts';

/**
 * POSTs each transition as JSON to `url`. Bounded (a slow receiver never
 * holds the evaluator up for long) and never throws: a failed delivery is
 * logged, and the alarm's state is on /metrics whatever happens to it.
 */
export function alarmWebhook(url: string, logger: Logger, timeoutMs = 5_000) {
  return async (transition: AlarmTransition): Promise<void> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(transition),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) {
        logger.log('warn', 'alarm webhook refused', { alarm: transition.alarm, status: response.status });
      }
    } catch (error) {
      logger.log('warn', 'alarm webhook failed', { alarm: transition.alarm, error });
    }
  };
}
