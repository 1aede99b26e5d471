import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlashSaleStack } from '../../infra/flash-sale-stack.ts';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown };

describe('the CDK stack with orders on Step Functions (orderWorkflow=stepfunctions)', () => {
  const codeDir = mkdtempSync(join(tmpdir(), 'flashsale-cdk-sfn-'));
  let template: Template;
  let queueTemplate: Template;

  beforeAll(async () => {
    await buildLambdaBundles(codeDir);
    template = Template.fromStack(
      new FlashSaleStack(new App(), 'Test', { lambdaCodeDir: codeDir, orderWorkflow: 'stepfunctions' }),
    );
    queueTemplate = Template.fromStack(new FlashSaleStack(new App(), 'Test', { lambdaCodeDir: codeDir }));
  });
  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

  const resources = (t: Template, type: string): Resource[] =>
    Object.values(t.findResources(type)) as Resource[];

  /** Each function's IAM statements, by the function's logical id prefix (Api, Consumer, Workflow...). */
  function statementsOf(prefix: string): Statement[] {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
      id.startsWith(prefix),
    );
    expect(policies.length, prefix).toBeGreaterThan(0);
    return policies
      .flatMap(([, p]) => (p as Resource).Properties.PolicyDocument as { Statement: Statement[] })
      .flatMap((doc) => doc.Statement);
  }
  const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

  it('adds one Standard state machine, the workflow function and its dead-letter queue', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Lambda::Function', 5);
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: 'Test-order-workflow',
    });
    const [machine] = resources(template, 'AWS::StepFunctions::StateMachine');
    const body = JSON.stringify(machine!.Properties.DefinitionString);
    expect(body).toContain('lambda:invoke.waitForTaskToken');
    expect(body).toContain('$.reservation.waitSeconds');
  });

  it("keeps the queue workflow the default: no state machine, four functions (with GraphQL's)", () => {
    queueTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    queueTemplate.resourceCountIs('AWS::Lambda::Function', 4);
    for (const fn of resources(queueTemplate, 'AWS::Lambda::Function')) {
      expect((fn.Properties.Environment as { Variables: object }).Variables).not.toHaveProperty(
        'ORDER_WORKFLOW',
      );
    }
  });

  it('tells the functions the workflow and its state machine (the consumer starts it)', () => {
    const env = (prefix: string) =>
      (
        Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
          id.startsWith(prefix),
        )![1] as Resource
      ).Properties.Environment as { Variables: Record<string, unknown> };
    for (const fn of ['ApiFunction', 'ConsumerFunction', 'WorkflowFunction']) {
      expect(env(fn).Variables.ORDER_WORKFLOW, fn).toBe('stepfunctions');
      expect(JSON.stringify(env(fn).Variables.STATE_MACHINE_ARN), fn).toContain(
        ':stateMachine:Test-order-workflow',
      );
    }
  });

  it('scopes IAM: task-token actions and StartExecution on the machine only, the machine to its function and DLQ', () => {
    const onMachine = (statements: Statement[], actions: string[]) => {
      const found = statements.filter((s) => [s.Action].flat().some((a) => actions.includes(a)));
      expect(found.length).toBeGreaterThan(0);
      for (const s of found) {
        expect([s.Action].flat().sort()).toEqual([...actions].sort());
        expect(JSON.stringify(s.Resource)).toContain(':stateMachine:Test-order-workflow');
      }
    };
    onMachine(statementsOf('ApiFunction'), ['states:SendTaskSuccess', 'states:SendTaskFailure']);
    onMachine(statementsOf('WorkflowFunction'), ['states:SendTaskSuccess', 'states:SendTaskFailure']);
    onMachine(statementsOf('ConsumerFunction'), ['states:StartExecution']);
    expect(actionsOf(statementsOf('ApiFunction'))).not.toContain('states:StartExecution');
    expect(actionsOf(statementsOf('SweeperFunction')).some((a) => a.startsWith('states:'))).toBe(false);

    const workflow = statementsOf('WorkflowFunction');
    const tables = workflow.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    for (const s of tables) {
      expect(JSON.stringify(s.Resource)).toMatch(/Ledger|Orders/);
      expect([s.Action].flat()).not.toContain('dynamodb:DeleteItem');
    }
    const machine = statementsOf('OrderWorkflowStateMachineRole');
    expect(actionsOf(machine).sort()).toEqual(
      ['kms:Decrypt', 'kms:GenerateDataKey', 'lambda:InvokeFunction', 'sqs:SendMessage'].sort(),
    );
    const invoke = machine.find((s) => [s.Action].flat().includes('lambda:InvokeFunction'))!;
    expect(JSON.stringify(invoke.Resource)).toContain('WorkflowLive');
    for (const s of [...machine, ...workflow]) {
      for (const action of [s.Action].flat()) expect(action).not.toContain('*');
      expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\/\*"/);
    }
  });

  it('alarms on failed and timed-out executions and on the workflow dead letters, to the alarm topic', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: Match.anyValue() }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      });
    }
    const dlqAlarms = resources(template, 'AWS::CloudWatch::Alarm').filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(dlqAlarms).toHaveLength(2);
  });

  it('draws the executions on the dashboard', () => {
    const [dashboard] = resources(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    expect(body).toContain('Order workflow executions');
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ])
      expect(body).toContain(metric);
  });
});
