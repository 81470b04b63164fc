// The SDK against a live server (tests/sdk.rs starts it and passes
// HOOKRELAY_URL and an admin HOOKRELAY_API_KEY): create a webhook, ingest
// through its URL with the ingest secret, list deliveries, replay one,
// rotate the signing secret, create and list API keys; every delivery
// received is verified with the Standard Webhooks library.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { Webhook } from 'standardwebhooks';

import {
  apiKeysCreate,
  apiKeysList,
  createClient,
  createConfig,
  deliveriesGet,
  deliveriesList,
  deliveriesReplay,
  ingestSend,
  webhooksCreate,
  webhooksGet,
  webhooksRotateSigningSecret,
  webhooksSendEvent,
} from '../dist/index.js';

const baseUrl = process.env.HOOKRELAY_URL;
const apiKey = process.env.HOOKRELAY_API_KEY;

/** A receiver on loopback that keeps every request with its raw body. */
async function receiver() {
  const received = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  const waitFor = async (n) => {
    const deadline = Date.now() + 20_000;
    while (received.length < n) {
      assert.ok(Date.now() < deadline, `the receiver got ${received.length} of ${n} deliveries`);
      await new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return received;
  };
  return { url, waitFor, close: () => server.close() };
}

/** Standard Webhooks verification of one received request. */
function verify(secret, request) {
  const headers = {
    'webhook-id': request.headers['webhook-id'],
    'webhook-timestamp': request.headers['webhook-timestamp'],
    'webhook-signature': request.headers['webhook-signature'],
  };
  return new Webhook(secret).verify(request.body, headers);
}

test('the TypeScript SDK runs the main scenario against a live server', async () => {
  assert.ok(baseUrl && apiKey, 'HOOKRELAY_URL and HOOKRELAY_API_KEY');
  const client = createClient(createConfig({ baseUrl, auth: apiKey }));
  const hooks = await receiver();
  try {
    const created = await webhooksCreate({ client, body: { name: 'sdk orders', destinationUrl: hooks.url }, throwOnError: true });
    assert.equal(created.response.status, 201);
    const webhook = created.data.data;
    assert.match(webhook.ingestSecret, /^whsec_/);
    assert.match(webhook.signingSecret, /^whsec_/);

    // Ingest through the webhook's own URL, with its ingest secret.
    const publicId = new URL(webhook.ingestUrl).pathname.split('/').pop();
    const accepted = await ingestSend({
      client,
      auth: webhook.ingestSecret,
      path: { publicId },
      body: { type: 'order.created', id: 42 },
      headers: { 'Idempotency-Key': 'order-42' },
      throwOnError: true,
    });
    assert.equal(accepted.response.status, 202);
    const deliveryId = accepted.data.data.id;
    const [first] = await hooks.waitFor(1);
    assert.deepEqual(verify(webhook.signingSecret, first), { type: 'order.created', id: 42 });
    assert.equal(first.headers['webhook-id'], deliveryId);

    // The API key is refused on ingest: the SDK surfaces the error body.
    const refused = await ingestSend({ client, path: { publicId }, body: {} });
    assert.equal(refused.response.status, 401);
    assert.equal(refused.error.error.code, 'unauthorized');

    // List deliveries until the first one has succeeded.
    let listed;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      listed = (await deliveriesList({ client, query: { webhookId: webhook.id, status: 'succeeded' }, throwOnError: true })).data;
      if (listed.data.some((d) => d.id === deliveryId)) break;
    }
    assert.ok(listed.data.some((d) => d.id === deliveryId), 'the delivery is listed as succeeded');
    const detail = (await deliveriesGet({ client, path: { id: deliveryId }, throwOnError: true })).data.data;
    assert.equal(detail.attempts[0].statusCode, 200);

    const replay = (await deliveriesReplay({ client, path: { id: deliveryId }, throwOnError: true })).data.data;
    assert.equal(replay.replayOf, deliveryId);
    const second = (await hooks.waitFor(2))[1];
    assert.equal(second.headers['webhook-id'], replay.id);
    verify(webhook.signingSecret, second);

    // Rotate the signing secret at once; the next delivery verifies with the new one only.
    const rotated = (await webhooksRotateSigningSecret({ client, path: { id: webhook.id }, body: { overlapSeconds: 0 }, throwOnError: true }))
      .data.data;
    assert.match(rotated.signingSecret, /^whsec_/);
    await webhooksSendEvent({ client, path: { id: webhook.id }, body: { after: 'rotation' }, throwOnError: true });
    const third = (await hooks.waitFor(3))[2];
    assert.deepEqual(verify(rotated.signingSecret, third), { after: 'rotation' });
    assert.throws(() => verify(webhook.signingSecret, third));

    // API keys: create one and find it listed.
    const key = (await apiKeysCreate({ client, body: { name: 'sdk bot', role: 'write' }, throwOnError: true })).data.data;
    assert.match(key.secret, /^swk_/);
    const keys = (await apiKeysList({ client, query: { limit: 100 }, throwOnError: true })).data.data;
    assert.ok(keys.some((k) => k.id === key.id && k.role === 'write' && k.status === 'active'));
    const missing = await webhooksGet({ client, path: { id: 'wh_missing' } });
    assert.equal(missing.response.status, 404);
  } finally {
    hooks.close();
  }
});
