import type { Context } from 'aws-lambda';
import { SnsOrderNotifier } from '../../../adapters/sns/sns-order-notifier.ts';
import {
  awaitPayment,
  inspectOrder,
  recordOrderStep,
  releaseOnTimeout,
  type WorkflowStepDeps,
  WorkflowStepError,
} from '../../../app/order-workflow.ts';
import type { OrderEvent } from '../../../domain/order.ts';
import type { LambdaRuntime } from '../compose.ts';
import { bothNotifiers, graphqlPublisher } from '../graphql-publisher.ts';
import { ORDER_EVENTS, type WorkflowStepEvent } from './steps.ts';

/**
 * The order workflow's Lambda: each Task state of the state machine invokes
 * it with the step to run. A thrown error fails the Task, under the error's
 * name: the definition retries store faults with back-off and sends
 * `WorkflowStepError`s straight to its dead letter.
 */
export function createWorkflowStepHandler(runtime: LambdaRuntime) {
  const { deps, emf, config, logger } = runtime;
  const link = runtime.orderWorkflow;
  if (link === undefined) throw new Error('the workflow function runs with ORDER_WORKFLOW=stepfunctions');
  const stepDeps: WorkflowStepDeps = {
    ledger: deps.ledger,
    orders: deps.orders,
    clock: deps.clock,
    metrics: deps.metrics,
    workflow: link.workflow,
    tokens: link.tokens,
    // SNS subscribers, and AppSync's orderUpdated subscribers where the stack gave an API.
    notifier: bothNotifiers(
      config.orderEventsTopicArn === undefined
        ? undefined
        : new SnsOrderNotifier(config.orderEventsTopicArn, runtime.clients?.sns ?? {}),
      graphqlPublisher(config),
    ),
  };
  return async (event: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<unknown> => {
    const step = parseStepEvent(event);
    try {
      switch (step.step) {
        case 'inspect':
          return await inspectOrder(stepDeps, step.orderId);
        case 'record':
          return await recordOrderStep(stepDeps, step.orderId, step.event);
        case 'await-payment':
          return await awaitPayment(stepDeps, step.orderId, step.taskToken);
        case 'release-on-timeout':
          return await releaseOnTimeout(stepDeps, step.orderId);
      }
    } catch (error) {
      logger.log('warn', 'order workflow step failed', {
        error,
        step: step.step,
        orderId: step.orderId,
        awsRequestId: context?.awsRequestId,
      });
      throw error;
    } finally {
      emf.flush();
    }
  };
}

/** Reads the state machine's payload by hand (no zod in this bundle); anything else is a fault. */
export function parseStepEvent(event: unknown): WorkflowStepEvent {
  const invalid = (why: string) => new WorkflowStepError('InvalidStepInput', `workflow step input: ${why}`);
  if (typeof event !== 'object' || event === null) throw invalid('not an object');
  const fields = event as Record<string, unknown>;
  const text = (name: string): string => {
    const value = fields[name];
    if (typeof value !== 'string' || value === '') throw invalid(`${name} must be a non-empty string`);
    return value;
  };
  const orderId = text('orderId');
  switch (fields.step) {
    case 'inspect':
    case 'release-on-timeout':
      return { step: fields.step, orderId };
    case 'await-payment':
      return { step: 'await-payment', orderId, taskToken: text('taskToken') };
    case 'record': {
      const orderEvent = ORDER_EVENTS.find((known) => known === fields.event);
      if (orderEvent === undefined) throw invalid(`event must be one of ${ORDER_EVENTS.join(', ')}`);
      return { step: 'record', orderId, event: orderEvent satisfies OrderEvent };
    }
    default:
      throw invalid(`unknown step ${String(fields.step)}`);
  }
}
