/** How a shopper ended an order's wait for payment. */
export type PaymentOutcome = 'paid' | 'cancelled';

/**
 * An order's workflow run by an orchestrator (Step Functions on AWS): started
 * once per order, it waits for payment and hands out a task token for that
 * wait. What runs the workflow, how executions are named and what a token
 * looks like is the adapter's business and not part of this contract.
 */
export interface OrderWorkflow {
  /**
   * Starts the order's workflow; starting it again (a redelivered event) is
   * not an error and starts nothing new.
   */
  start(orderId: string, input: WorkflowInput): Promise<void>;
  /**
   * Ends the wait for payment that handed out `token`. A wait that already
   * ended (timed out, completed before) is not an error: the workflow has
   * moved on and reads the outcome from the stock ledger.
   */
  complete(token: string, outcome: PaymentOutcome): Promise<void>;
}

/** What an execution starts with: the order, and the HTTP request that made it (for logs). */
export interface WorkflowInput {
  readonly orderId: string;
  readonly requestId?: string | undefined;
}

/** Where the token of an order's wait for payment is kept between the wait and the shopper's answer. */
export interface TaskTokens {
  /** Keeps the token of the order's wait (a retried wait replaces the one before). */
  save(orderId: string, token: string): Promise<void>;
  find(orderId: string): Promise<string | undefined>;
}

/** The error a cancellation ends the wait with; the workflow's definition catches it by this name. */
export const ORDER_CANCELLED_ERROR = 'OrderCancelled';

/** What the pay and cancel use cases need to resume an order's workflow. */
export interface WorkflowLink {
  readonly workflow: OrderWorkflow;
  readonly tokens: TaskTokens;
  /** A resume that failed: the payment or cancellation stands, the workflow learns it at its timeout. */
  readonly onResumeError: (error: unknown, orderId: string) => void;
}
