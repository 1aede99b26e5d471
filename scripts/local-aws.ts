// Local stand-ins for DynamoDB (dynalite) and SQS/SNS (fauxqs) with the stack's tables, queues and topic,
// for `sam local invoke` and for poking at the AWS shape by hand: npm run local:aws [-- --host 0.0.0.0]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAws } from '../test/support/local-aws.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'dynamodb-port': { type: 'string', default: '8000' },
    'sqs-port': { type: 'string', default: '4566' },
    /** The address the functions use to reach this machine (SAM's containers: host.docker.internal). */
    'reach-as': { type: 'string' },
    out: { type: 'string', default: 'env.local.json' },
  },
});

const aws = await startLocalAws({
  host: values.host,
  dynamodbPort: Number(values['dynamodb-port']),
  sqsPort: Number(values['sqs-port']),
});
const resources = await aws.createResources({ maxReceiveCount: 5 });
const reach = values['reach-as'] ?? '127.0.0.1';
const env = {
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: `http://${reach}:${values['dynamodb-port']}`,
  AWS_ENDPOINT_URL_SQS: `http://${reach}:${values['sqs-port']}`,
  AWS_ENDPOINT_URL_SNS: `http://${reach}:${values['sqs-port']}`,
  LEDGER_TABLE: resources.ledgerTable,
  ORDERS_TABLE: resources.ordersTable,
  QUEUE_URL: resources.queueUrl,
  DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
  ORDER_EVENTS_TOPIC_ARN: resources.topicArn,
};
// SAM's --env-vars format: "Parameters" applies to every function.
writeFileSync(values.out, `${JSON.stringify({ Parameters: env }, null, 2)}\n`);
console.log(`dynalite on ${aws.dynamodbEndpoint}, fauxqs on ${aws.fauxqs.address}`);
console.log(`environment for the functions written to ${values.out}:`);
for (const [name, value] of Object.entries(env)) console.log(`  ${name}=${value}`);
console.log('Ctrl-C to stop (everything is in memory).');
const stop = async () => {
  await aws.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
