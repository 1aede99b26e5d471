// The order workflow in Amazon States Language, built as a value so that tests can check it against
// the domain's order state machine (src/domain/order.ts) and draw it (docs/aws.md).
import type { OrderEvent } from '../src/domain/order.ts';
import { ORDER_CANCELLED_ERROR } from '../src/ports/order-workflow.ts';
import type { WorkflowStepEvent } from '../src/runtime/lambda/workflow/steps.ts';

export interface WorkflowResources {
  /** The workflow function (its alias) that runs each step. */
  readonly functionArn: string;
  /** Where an execution that cannot go on leaves its input and error. */
  readonly deadLetterQueueUrl: string;
}

/** Loose ASL: the fields this definition uses, checked by asl-validator in the tests. */
export type AslState = Record<string, unknown> & { readonly Type: string };
export interface AslDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** A step's payload less the fields the state fills in from the execution. */
type StepPayload = WorkflowStepEvent extends infer E
  ? E extends WorkflowStepEvent
    ? Omit<E, 'orderId' | 'taskToken'>
    : never
  : never;

/** Step failures no retry mends (`WorkflowStepError`): straight to the dead letter. */
const PERMANENT_ERRORS = ['OrderNotFound', 'LedgerDisagrees', 'InvalidStepInput'];

/** Store and Lambda faults: 1 s, 2 s, 4 s ... capped at 60 s, full jitter, 6 tries in all. */
const RETRY_FAULTS = {
  ErrorEquals: ['States.ALL'],
  IntervalSeconds: 1,
  BackoffRate: 2,
  MaxAttempts: 5,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

const TO_DEAD_LETTER = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DeadLetter' };

/**
 * One execution per order: inspect the reservation; if still held, confirm
 * the order and wait for payment with a task token, as long as the payment
 * window lasts; then record paid, cancelled (the cancel resumes the wait with
 * `OrderCancelled`) or, on timeout, release the units and record what the
 * ledger says. A reservation already paid, cancelled or expired when the
 * execution starts (the queue was slow) is recorded as such at once.
 */
export function orderWorkflowDefinition(resources: WorkflowResources): AslDefinition {
  const invoke = (payload: Record<string, unknown>) => ({
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: resources.functionArn, Payload: payload },
  });
  const step = (payload: StepPayload, rest: Record<string, unknown>): AslState => ({
    Type: 'Task',
    ...invoke({ ...payload, 'orderId.$': '$.orderId' }),
    Retry: [{ ErrorEquals: PERMANENT_ERRORS, MaxAttempts: 0 }, RETRY_FAULTS],
    Catch: [TO_DEAD_LETTER],
    ...rest,
  });
  const record = (event: OrderEvent, next: { Next: string } | { End: true }) =>
    step({ step: 'record', event }, { ResultPath: null, ...next });
  const byOutcome = (path: string, choices: Record<string, string>, otherwise: string): AslState => ({
    Type: 'Choice',
    Choices: Object.entries(choices).map(([outcome, next]) => ({
      Variable: path,
      StringEquals: outcome,
      Next: next,
    })),
    Default: otherwise,
  });

  return {
    Comment: 'flash sale order: confirm, wait for payment (task token, payment window), paid or released',
    StartAt: 'Inspect',
    States: {
      Inspect: step(
        { step: 'inspect' },
        {
          ResultSelector: { 'outcome.$': '$.Payload.outcome', 'waitSeconds.$': '$.Payload.waitSeconds' },
          ResultPath: '$.reservation',
          Next: 'ByReservation',
        },
      ),
      ByReservation: byOutcome(
        '$.reservation.outcome',
        { held: 'Confirm', paid: 'RecordPaid', cancelled: 'RecordCancelled', expired: 'RecordExpired' },
        'DeadLetter',
      ),
      Confirm: record('confirmed', { Next: 'AwaitPayment' }),
      AwaitPayment: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: resources.functionArn,
          Payload: { step: 'await-payment', 'orderId.$': '$.orderId', 'taskToken.$': '$$.Task.Token' },
        },
        TimeoutSecondsPath: '$.reservation.waitSeconds',
        ResultPath: '$.payment',
        Retry: [
          { ErrorEquals: [ORDER_CANCELLED_ERROR, 'States.Timeout', ...PERMANENT_ERRORS], MaxAttempts: 0 },
          RETRY_FAULTS,
        ],
        Catch: [
          { ErrorEquals: [ORDER_CANCELLED_ERROR], ResultPath: '$.payment', Next: 'RecordCancelled' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.payment', Next: 'ReleaseOnTimeout' },
          TO_DEAD_LETTER,
        ],
        Next: 'RecordPaid',
      },
      ReleaseOnTimeout: step(
        { step: 'release-on-timeout' },
        {
          ResultSelector: { 'outcome.$': '$.Payload.outcome' },
          ResultPath: '$.release',
          Next: 'AfterTimeout',
        },
      ),
      AfterTimeout: byOutcome(
        '$.release.outcome',
        { expired: 'RecordExpired', paid: 'RecordPaid', cancelled: 'RecordCancelled' },
        'DeadLetter',
      ),
      RecordPaid: record('paid', { End: true }),
      RecordCancelled: record('cancelled', { End: true }),
      RecordExpired: record('expired', { End: true }),
      DeadLetter: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: resources.deadLetterQueueUrl, 'MessageBody.$': '$' },
        Retry: [RETRY_FAULTS],
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', Error: 'OrderWorkflowFailed', Cause: 'see the workflow dead-letter queue' },
    },
  };
}
