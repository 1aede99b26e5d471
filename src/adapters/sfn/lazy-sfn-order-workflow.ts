import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import type { OrderWorkflow, PaymentOutcome, WorkflowInput } from '../../ports/order-workflow.ts';
import type { SfnOrderWorkflow } from './sfn-order-workflow.ts';

/**
 * The Step Functions workflow, its module (the SFN client and its SDK code)
 * imported on first use: the API function resumes a workflow only when a
 * shopper pays or cancels, so its cold start, and the purchase path, never
 * load it.
 */
export class LazySfnOrderWorkflow implements OrderWorkflow {
  readonly #config: SFNClientConfig;
  readonly #stateMachineArn: string | undefined;
  #loading: Promise<SfnOrderWorkflow> | undefined;

  constructor(config: SFNClientConfig, stateMachineArn: string | undefined) {
    this.#config = config;
    this.#stateMachineArn = stateMachineArn;
  }

  /** True once the module was asked for (tests check the purchase path never asks). */
  get loaded(): boolean {
    return this.#loading !== undefined;
  }

  async #load(): Promise<SfnOrderWorkflow> {
    this.#loading ??= import('./sfn-order-workflow.ts').then(({ openSfnOrderWorkflow }) =>
      openSfnOrderWorkflow(this.#config, this.#stateMachineArn),
    );
    return this.#loading;
  }

  async start(orderId: string, input: WorkflowInput): Promise<void> {
    await (await this.#load()).start(orderId, input);
  }

  async complete(token: string, outcome: PaymentOutcome): Promise<void> {
    await (await this.#load()).complete(token, outcome);
  }

  async close(): Promise<void> {
    if (this.#loading !== undefined) (await this.#loading).close();
  }
}
