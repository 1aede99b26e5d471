import { FlashSaleError } from '../domain/errors.ts';
import type { DeadLetter } from '../ports/event-queue.ts';
import type { AppDeps } from './deps.ts';

export async function listDeadLetters(deps: AppDeps, limit = 100): Promise<DeadLetter[]> {
  return deps.queue.listDeadLetters(limit);
}

/** Sends a parked event through the pipeline again, with a fresh set of attempts. */
export async function redriveDeadLetter(deps: AppDeps, id: string): Promise<void> {
  if (!(await deps.queue.redrive(id, deps.clock.now()))) {
    throw new FlashSaleError('dead_letter_not_found', `no dead letter with id ${id}`);
  }
}

/** Redrives every parked event; returns how many. */
export async function redriveAll(deps: AppDeps): Promise<number> {
  let count = 0;
  for (;;) {
    const letters = await deps.queue.listDeadLetters(500);
    for (const letter of letters) if (await deps.queue.redrive(letter.id, deps.clock.now())) count++;
    if (letters.length < 500) return count;
  }
}
