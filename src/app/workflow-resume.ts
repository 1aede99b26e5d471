import type { PaymentOutcome, WorkflowLink } from '../ports/order-workflow.ts';

/**
 * After a payment or cancellation the ledger accepted: ends the order's wait
 * through its task token. Never throws: the answer to the shopper stands
 * either way, and a wait that is not resumed ends at its timeout, which reads
 * the same outcome from the ledger.
 */
export async function resumeOrderWorkflow(
  link: WorkflowLink | undefined,
  orderId: string,
  outcome: PaymentOutcome,
): Promise<void> {
  if (link === undefined) return;
  try {
    const token = await link.tokens.find(orderId);
    if (token !== undefined) await link.workflow.complete(token, outcome);
  } catch (error) {
    link.onResumeError(error, orderId);
  }
}
