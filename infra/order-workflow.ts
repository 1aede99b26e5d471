import {
  ArnFormat,
  aws_cloudwatch as cloudwatch,
  Duration,
  aws_iam as iam,
  type aws_kms as kms,
  type aws_lambda as lambda,
  RemovalPolicy,
  Stack,
  aws_stepfunctions as sfn,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { orderWorkflowDefinition } from './order-workflow-definition.ts';

export interface OrderWorkflowProps {
  /** The workflow function's alias, which every Task state invokes. */
  readonly stepFunction: lambda.Alias;
  readonly stateMachineName: string;
  readonly key: kms.IKey;
  /** Makes an alarm that notifies the stack's alarm topic. */
  readonly alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;
}

/**
 * The order workflow on Step Functions (`-c orderWorkflow=stepfunctions`): a
 * Standard state machine (task tokens and waits of up to the payment
 * window's 7 days need one: Express has neither), its dead-letter queue,
 * and alarms on failed and timed-out executions. Which functions may start
 * executions or end waits is granted by the stack with `grant*`.
 */
export class OrderWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly deadLetterQueue: sqs.Queue;
  /** The state machine's ARN from its name: granting with it adds no dependency on the machine. */
  readonly stateMachineArn: string;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: OrderWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stateMachineArn = stateMachineArnOf(stack, props.stateMachineName);
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const definition = orderWorkflowDefinition({
      functionArn: props.stepFunction.functionArn,
      deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      comment: definition.Comment,
    });
    // The definition is a string, so CDK grants nothing for its tasks: exactly these.
    const role = this.stateMachine.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.stepFunction.functionArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.key.keyArn],
      }),
    );

    const perMinute = { period: Duration.minutes(1), statistic: 'Sum' } as const;
    const anyOf = (metric: cloudwatch.IMetric, description: string) => ({
      alarmDescription: description,
      metric,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [
      props.alarm(
        'FailedAlarm',
        anyOf(
          this.stateMachine.metricFailed(perMinute),
          'order workflow executions failed: their input is in the workflow dead-letter queue',
        ),
      ),
      props.alarm(
        'TimedOutAlarm',
        anyOf(this.stateMachine.metricTimedOut(perMinute), 'order workflow executions timed out'),
      ),
      props.alarm(
        'DlqAlarm',
        anyOf(
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          'orders in the workflow dead-letter queue',
        ),
      ),
    ];
  }

  /** The API: end waits for payment (SendTaskSuccess / SendTaskFailure) of this machine's executions. */
  grantTaskResponse(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [this.stateMachineArn],
      }),
    );
  }

  /** The queue consumer: start executions. */
  grantStart(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachineArn] }),
    );
  }

  /** Executions by result, for the stack's dashboard. */
  dashboardWidgets(): cloudwatch.IWidget[] {
    const period = { period: Duration.minutes(1), statistic: 'Sum' } as const;
    return [
      new cloudwatch.GraphWidget({
        title: 'Order workflow executions',
        left: [
          this.stateMachine.metricStarted(period),
          this.stateMachine.metricSucceeded(period),
          this.stateMachine.metricFailed(period),
          this.stateMachine.metricTimedOut(period),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Order workflow dead letters',
        left: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
        width: 12,
      }),
    ];
  }
}

/** A state machine's ARN from its name (no reference to the machine, so no dependency on it). */
export function stateMachineArnOf(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
