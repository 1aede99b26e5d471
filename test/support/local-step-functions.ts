import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition } from '../../infra/order-workflow-definition.ts';

/**
 * A local stand-in for Step Functions: the SFN API's calls the project makes
 * (StartExecution, SendTaskSuccess, SendTaskFailure, over HTTP, AWS JSON 1.0,
 * so the real SDK client talks to it), with the definition run by
 * aws-local-stepfunctions (a pure-JS ASL interpreter: Choice, Retry, Catch,
 * TimeoutSecondsPath). The interpreter has no task tokens; this adds them:
 * a `.waitForTaskToken` Task invokes its function with a fresh `$$.Task.Token`
 * and then waits until SendTaskSuccess / SendTaskFailure names that token,
 * or the state's timeout fires.
 */
export interface LocalStepFunctions {
  readonly endpoint: string;
  readonly stateMachineArn: string;
  /** Executions by name, in start order. */
  readonly executions: Map<string, LocalExecution>;
  stop(): Promise<void>;
}

export interface LocalExecution {
  readonly name: string;
  readonly input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** Error name of a failed execution. */
  error?: string;
  /** The states entered, in order. */
  readonly states: string[];
  /** Settles when the execution ends (never rejects). */
  readonly done: Promise<void>;
}

export interface LocalStepFunctionsOptions {
  readonly definition: AslDefinition;
  /** The function behind every `lambda:invoke` Task: the step handler, given the state's Payload. */
  readonly invoke: (payload: unknown) => Promise<unknown>;
  /** What an `sqs:sendMessage` Task does with its MessageBody. */
  readonly sendMessage: (queueUrl: string, body: string) => Promise<void>;
  /** Pause between retries (ms): tests do not wait out the definition's back-off. */
  readonly retryPauseMs?: number;
}

interface Waiting {
  readonly execution: string;
  readonly state: string;
  open: boolean;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

class ServiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:local-order-workflow';
  const machine = new StateMachine(forInterpreter(options.definition) as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  const executions = new Map<string, LocalExecution>();
  const tokens = new Map<string, Waiting>();

  /** Local handlers for every Task state, by what its Resource names. */
  const handlersFor = (execution: string, token: () => string) => {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, state] of Object.entries(options.definition.States)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      if (resource === 'arn:aws:states:::lambda:invoke') {
        handlers[name] = async (input) => ({
          StatusCode: 200,
          Payload: await options.invoke((input as { Payload: unknown }).Payload),
        });
      } else if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        handlers[name] = (input) =>
          new Promise((resolve, reject) => {
            const payload = (input as { Payload: { taskToken?: unknown } }).Payload;
            if (payload.taskToken !== token()) {
              reject(new Error('the payload does not carry $$.Task.Token'));
              return;
            }
            tokens.set(token(), { execution, state: name, open: true, resolve, reject });
            // Lambda's own failure fails the Task; its result does not end it (the token does).
            options.invoke(payload).catch(reject);
          });
      } else if (resource === 'arn:aws:states:::sqs:sendMessage') {
        handlers[name] = async (input) => {
          const { QueueUrl, MessageBody } = input as { QueueUrl: string; MessageBody: unknown };
          await options.sendMessage(
            QueueUrl,
            typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody),
          );
          return { MessageId: randomUUID() };
        };
      } else {
        throw new Error(`no local handler for ${resource}`);
      }
    }
    return handlers;
  };

  function start(name: string, input: string): LocalExecution {
    const token = randomUUID();
    const retryPauses: Record<string, number> = {};
    for (const state of Object.keys(options.definition.States))
      retryPauses[state] = options.retryPauseMs ?? 10;
    const run = machine.run(JSON.parse(input), {
      overrides: {
        taskResourceLocalHandlers: handlersFor(name, () => token) as never,
        retryIntervalOverrides: retryPauses,
      },
      context: { Task: { Token: token } } as never,
    });
    const states: string[] = [];
    const execution: LocalExecution = {
      name,
      input,
      status: 'RUNNING',
      states,
      done: run.result.then(
        () => {
          execution.status = 'SUCCEEDED';
        },
        (error: Error) => {
          execution.status = 'FAILED';
          execution.error = (error.cause as Error | undefined)?.name ?? error.name;
        },
      ),
    };
    // A token lives while its state runs: entering any other state ends it (timeout, retry, catch).
    void (async () => {
      for await (const event of run.eventLogs) {
        if (event.type !== 'StateEntered') continue;
        states.push(event.state.name);
        for (const waiting of tokens.values()) {
          if (waiting.execution === name && waiting.state !== event.state.name) waiting.open = false;
        }
      }
    })();
    void execution.done.then(() => {
      for (const waiting of tokens.values()) if (waiting.execution === name) waiting.open = false;
    });
    return execution;
  }

  const waitingFor = (token: unknown): Waiting => {
    const waiting = typeof token === 'string' ? tokens.get(token) : undefined;
    if (waiting === undefined) throw new ServiceError('InvalidToken', 'no such task token');
    if (!waiting.open) throw new ServiceError('TaskTimedOut', 'the task of this token has ended');
    waiting.open = false;
    return waiting;
  };

  const actions: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution(body) {
      if (body.stateMachineArn !== stateMachineArn)
        throw new ServiceError('StateMachineDoesNotExist', 'unknown');
      const name = String(body.name ?? randomUUID());
      const input = String(body.input ?? '{}');
      const existing = executions.get(name);
      if (existing !== undefined) {
        // Standard workflows: the same name and input of a running execution is the same start.
        if (existing.status === 'RUNNING' && existing.input === input) return startAnswer(name);
        throw new ServiceError('ExecutionAlreadyExists', `execution ${name} already exists`);
      }
      executions.set(name, start(name, input));
      return startAnswer(name);
    },
    SendTaskSuccess(body) {
      waitingFor(body.taskToken).resolve(JSON.parse(String(body.output)));
      return {};
    },
    SendTaskFailure(body) {
      const error = new Error(String(body.cause ?? ''));
      error.name = String(body.error ?? 'States.TaskFailed');
      waitingFor(body.taskToken).reject(error);
      return {};
    },
  };
  const startAnswer = (name: string) => ({
    executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
    startDate: Date.now() / 1000,
  });

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const reply = (status: number, body: unknown, errorType?: string) => {
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
        });
        response.end(JSON.stringify(body));
      };
      try {
        const action = actions[target];
        if (action === undefined) throw new ServiceError('UnknownOperationException', target);
        reply(200, action(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
      } catch (error) {
        const code = error instanceof ServiceError ? error.code : 'InternalFailure';
        reply(error instanceof ServiceError ? 400 : 500, { __type: code, message: String(error) }, code);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn,
    executions,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The definition as the interpreter needs it. Step Functions resolves a
 * Task's `TimeoutSecondsPath` against the state's input; aws-local-stepfunctions
 * resolves it against the input after `Parameters`. So the path's value is
 * carried into the Parameters (as `localTimeoutSeconds`, which the local
 * handlers never pass on) and the path pointed at it: the timeout is the one
 * Step Functions would take.
 */
function forInterpreter(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
  for (const state of Object.values(copy.States)) {
    if (typeof state.TimeoutSecondsPath !== 'string') continue;
    state.Parameters = {
      ...(state.Parameters as Record<string, unknown>),
      'localTimeoutSeconds.$': state.TimeoutSecondsPath,
    };
    state.TimeoutSecondsPath = '$.localTimeoutSeconds';
  }
  return copy as unknown as AslDefinition;
}
