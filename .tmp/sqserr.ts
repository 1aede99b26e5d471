import { startFauxqs } from 'fauxqs';
import { openSqs } from '/work/main/src/adapters/sqs/sqs.ts';
const f = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
const sqs = openSqs({ endpoint: f.address, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const q = f.createQueue('x');
console.log(await sqs.send('SendMessage', { QueueUrl: q.queueUrl, MessageBody: 'hi', MessageAttributes: { topic: { DataType: 'String', StringValue: 't' } } }));
console.log(JSON.stringify(await sqs.send('ReceiveMessage', { QueueUrl: q.queueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] })));
for (const input of [{ QueueUrl: q.queueUrl.replace('/x', '/nope'), MessageBody: 'x' }]) {
  try { await sqs.send('SendMessage', input); } catch (e) { console.log(e.name, e.statusCode, e.message); }
}
try { await sqs.send('DeleteMessage', { QueueUrl: q.queueUrl, ReceiptHandle: 'bogus' }); console.log('deleted bogus ok'); } catch (e) { console.log(e.name, e.statusCode, e.message); }
await f.stop();
