import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { type AslDefinition, orderWorkflowDefinition } from '../../infra/order-workflow-definition.ts';
import {
  disagreementsWithDomain,
  domainMoves,
  mermaidOf,
  statusMovesOf,
} from '../../infra/workflow-graph.ts';

const definition = orderWorkflowDefinition({
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:flashsale-workflow:live',
  deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/flashsale-workflow-dlq',
});

/** The definition with one state changed (a copy: the original stays as it is). */
function withState(name: string, change: Record<string, unknown>): AslDefinition {
  const copy = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
  copy.States[name] = { ...copy.States[name], ...change };
  return copy as unknown as AslDefinition;
}

describe('the order workflow definition (Amazon States Language)', () => {
  it('is valid ASL, paths and ARNs included', () => {
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is refused by the validator when a transition points nowhere (the check can fail)', () => {
    const broken = withState('Confirm', { Next: 'NoSuchState' });
    expect(aslValidator(broken, { checkPaths: true, checkArn: true }).isValid).toBe(false);
  });

  it('makes exactly the order status moves the domain allows, and every path ends final', () => {
    expect(disagreementsWithDomain(definition)).toEqual([]);
    const made = statusMovesOf(definition).moves.map((m) => `${m.from}->${m.to}`);
    expect(new Set(made)).toEqual(new Set(domainMoves().map((m) => `${m.from}->${m.to}`)));
    expect(made).toHaveLength(7);
  });

  it('reports a move the domain forbids', () => {
    // After recording paid, go on to confirm: paid -> confirmed is no move in the domain.
    const forbidden = withState('RecordPaid', { End: undefined, Next: 'Confirm' });
    expect(disagreementsWithDomain(forbidden)).toContain(
      'Confirm moves paid -> confirmed, which the domain forbids',
    );
  });

  it('reports a move the domain allows that no path makes', () => {
    // A reservation paid before the workflow started would be sent to the dead letter.
    const byReservation = structuredClone(definition.States.ByReservation) as unknown as {
      Choices: Array<{ StringEquals: string }>;
    };
    const choices = byReservation.Choices.filter((choice) => choice.StringEquals !== 'paid');
    expect(disagreementsWithDomain(withState('ByReservation', { Choices: choices }))).toEqual([
      'no path moves pending -> paid, which the domain allows',
    ]);
  });

  it('reports a path that ends with the order not final', () => {
    const early = withState('Confirm', { Next: undefined, End: true });
    expect(disagreementsWithDomain(early)).toContain(
      'a path ends at Confirm with the order confirmed, not final',
    );
  });

  it('waits for payment with a task token, for as long as the payment window', () => {
    const wait = definition.States.AwaitPayment!;
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.TimeoutSecondsPath).toBe('$.reservation.waitSeconds');
    expect(JSON.stringify(wait.Parameters)).toContain('"taskToken.$":"$$.Task.Token"');
  });

  it('retries faults with capped, jittered back-off and catches every task into the dead letter', () => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      const retriers = state.Retry as Array<Record<string, unknown>>;
      expect(retriers.at(-1), name).toMatchObject({
        ErrorEquals: ['States.ALL'],
        BackoffRate: 2,
        JitterStrategy: 'FULL',
        MaxDelaySeconds: 60,
      });
      if (name === 'DeadLetter') continue;
      const catchers = state.Catch as Array<Record<string, unknown>>;
      expect(catchers.at(-1), name).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'DeadLetter' });
    }
  });

  it('is drawn in docs/aws.md exactly as generated', () => {
    const doc = readFileSync(new URL('../../docs/aws.md', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`mermaid\n${mermaidOf(definition)}\n\`\`\``);
  });
});
