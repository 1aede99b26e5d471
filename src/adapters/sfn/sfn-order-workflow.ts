import { createHash } from 'node:crypto';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNClientConfig,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  ORDER_CANCELLED_ERROR,
  type OrderWorkflow,
  type PaymentOutcome,
  type WorkflowInput,
} from '../../ports/order-workflow.ts';

/** Errors that say the wait already ended: the execution has moved on, nothing to resume. */
const WAIT_ALREADY_ENDED = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/**
 * The order workflow on Step Functions: one execution per order, named by
 * the order id, so a redelivered event starts nothing new (a Standard
 * workflow answers `ExecutionAlreadyExists`, taken here as done).
 */
export class SfnOrderWorkflow implements OrderWorkflow {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string | undefined;

  /** `stateMachineArn` only where executions are started (the API only completes waits). */
  constructor(client: SFNClient, stateMachineArn: string | undefined) {
    this.#client = client;
    this.#stateMachineArn = stateMachineArn;
  }

  async start(orderId: string, input: WorkflowInput): Promise<void> {
    if (this.#stateMachineArn === undefined) throw new Error('no state machine to start executions of');
    try {
      await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: executionName(orderId),
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
    }
  }

  async complete(token: string, outcome: PaymentOutcome): Promise<void> {
    try {
      if (outcome === 'paid') {
        await this.#client.send(
          new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome }) }),
        );
      } else {
        await this.#client.send(
          new SendTaskFailureCommand({
            taskToken: token,
            error: ORDER_CANCELLED_ERROR,
            cause: 'the order was cancelled',
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof Error && WAIT_ALREADY_ENDED.has(error.name))) throw error;
    }
  }

  close(): void {
    this.#client.destroy();
  }
}

export function openSfnOrderWorkflow(
  config: SFNClientConfig,
  stateMachineArn: string | undefined,
): SfnOrderWorkflow {
  return new SfnOrderWorkflow(new SFNClient(config), stateMachineArn);
}

/**
 * Execution names take 1 to 80 of [A-Za-z0-9_-]; an order id that does not
 * fit is hashed (the same id always gives the same name).
 */
export function executionName(orderId: string): string {
  if (/^[A-Za-z0-9_-]{1,80}$/.test(orderId)) return orderId;
  return createHash('sha256').update(orderId).digest('hex');
}
