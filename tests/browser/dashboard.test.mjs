// The dashboard in a real browser: headless Chromium driven by playwright-core
// against the real binary (SQLite) and a real receiver on loopback. Log in,
// create a webhook, send a test event, see it delivered, rotate the signing
// secret, manage schedules, applications and notification channels, delete
// a webhook after typing its name, log out; a member's menu leaves out the
// owner's pages. Screenshots go to test-artifacts/.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const bin = process.env.HOOKRELAY_BIN || join(root, 'target/debug/hookrelay');
const artifacts = join(root, 'test-artifacts');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';
const EMAIL = 'ops@example.com';

// The browser test always runs on SQLite in its own data dir.
const env = { ...process.env, RUST_LOG: 'warn' };
delete env.HOOKRELAY_DATABASE_URL;

const dir = mkdtempSync(join(tmpdir(), 'hookrelay-browser-'));
const dataDir = join(dir, 'data');
let server;
let base;
let project;
let context;
const received = [];
let receiver;

function cli(args, input) {
  const r = spawnSync(bin, [...args, '--data-dir', dataDir], { input, encoding: 'utf8', env });
  assert.equal(r.status, 0, `hookrelay ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function until(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Standard Webhooks: HMAC-SHA256 over "{id}.{timestamp}.{body}" with the
// base64-decoded part of the secret after whsec_.
function signedWith(secret, req) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.`)
    .update(req.body)
    .digest('base64');
  return req.headers['webhook-signature'].split(' ').includes(`v1,${expected}`);
}

async function noSidewaysScrolling(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));

  server = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--allow-private-destinations'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((res, rej) => {
    createInterface({ input: server.stdout }).once('line', res);
    server.once('exit', (code) => rej(new Error(`hookrelay exited with ${code}`)));
  });
  base = line.replace('hookrelay listening on ', '').trim();
  // On a plan without the audit log and notifications, to see their tier messages.
  project = JSON.parse(cli(['project', 'create', '--name', 'acme', '--tier', 'free', '--json']));
  cli(['user', 'create', '--email', EMAIL, '--project', project.projectId, '--role', 'owner', '--password-stdin'], PASSWORD);
  const app = await fetch(`${base}/v1/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${project.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Globex' }),
  });
  assert.equal(app.status, 201);

  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await context?.close();
  server?.kill('SIGTERM');
  receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('log in, create a webhook, send a test event, see it delivered, rotate the signing secret, manage the other pages, delete a webhook, log out', async () => {
  const page = context.pages()[0] || (await context.newPage());
  const cspViolations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  const shot = (name) => page.screenshot({ path: join(artifacts, `dashboard-${name}.png`), fullPage: true });

  await page.goto(`${base}/dashboard`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill('wrong password, not this one');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('invalid email or password').waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await shot('01-login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();

  // Create a webhook; a bad field is named and focused, then the secrets
  // are revealed once each.
  await page.getByLabel('Name', { exact: true }).fill('orders');
  await page.getByLabel('Destination URL').fill('ftp://example.com/hook');
  await page.getByRole('button', { name: 'Create webhook' }).click();
  await page.getByRole('alert').filter({ hasText: 'destinationUrl' }).waitFor();
  assert.equal(await page.getByLabel('Destination URL').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'destinationUrl');
  await page.getByLabel('Destination URL').fill(`http://127.0.0.1:${receiver.address().port}/hook`);
  await page.getByLabel('Extra request headers').fill('X-Team: payments');
  await page.getByLabel('Requests in flight at most').fill('4');
  await page.getByLabel('Deliveries per second at most').fill('50');
  await page.getByRole('button', { name: 'Create webhook' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const firstSigning = await page.locator('#reveal-value').inputValue();
  assert.match(firstSigning, /^whsec_/);
  await shot('02-secret-reveal');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  assert.match(await page.locator('#reveal-value').inputValue(), /^whsec_/, 'then the ingest secret');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  const row = page.locator('tr', { hasText: 'orders' });
  await row.waitFor();
  await row.getByText('≤ 4 in flight, ≤ 50/s').waitFor();
  await shot('03-webhooks');

  // A filter, tried on a sample payload before it is saved; the row shows it.
  await row.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('form', { name: 'Edit orders' });
  await edit.getByLabel('Filter (JSON').fill('{"path": "type", "prefix": "hookrelay."}');
  await edit.getByLabel('Sample payload').fill('{"type": "order.created"}');
  await edit.getByRole('button', { name: 'Test filter on the sample' }).click();
  await edit.getByText('does not match').waitFor();
  await edit.getByLabel('Sample payload').fill('{"type": "hookrelay.test"}');
  await edit.getByRole('button', { name: 'Test filter on the sample' }).click();
  await edit.getByText('matches: it would be sent').waitFor();
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await row.getByText('filter {"path":"type","prefix":"hookrelay."}').waitFor();

  // A test event, delivered and signed.
  await row.getByRole('button', { name: 'Send test event' }).click();
  await page.getByText('Test event queued').waitFor();
  await until('the first delivery', () => received.length >= 1);
  assert.ok(signedWith(firstSigning, received[0]), 'signed with the secret shown at create');
  assert.equal(JSON.parse(received[0].body).type, 'hookrelay.test');
  assert.equal(received[0].headers['x-team'], 'payments');

  await page.getByRole('link', { name: 'Deliveries' }).click();
  await page.getByRole('heading', { name: 'Deliveries', level: 1 }).waitFor();
  await until('the delivery to show as succeeded', async () => {
    if (await page.locator('td .pill.succeeded').count()) return true;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: 'Deliveries', level: 1 }).waitFor();
    return false;
  });
  await page.getByLabel('Status').selectOption('succeeded');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.locator('td .pill.succeeded').first().waitFor();
  await shot('04-deliveries');
  await page.locator('tr[data-delivery] a').first().click();
  await page.getByText('HTTP 200').waitFor();
  await shot('05-delivery-attempts');
  // A transformation simulated on the delivery's event: nothing is sent.
  await page.getByLabel('JavaScript').fill('function handler(e) { return { body: { t: e.payload.type } } }');
  await page.getByRole('button', { name: 'Simulate on this event' }).click();
  await page.getByText('"outcome": "send"').waitFor();
  await page.getByText('hookrelay.test').first().waitFor();

  // Rotate the signing secret: a new one, revealed once, used from now on.
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await row.getByRole('button', { name: 'Rotate signing secret' }).click();
  await dialog.waitFor();
  const newSigning = await page.locator('#reveal-value').inputValue();
  assert.match(newSigning, /^whsec_/);
  assert.notEqual(newSigning, firstSigning);
  await shot('06-rotated');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await row.getByRole('button', { name: 'Secret versions' }).click();
  const ledger = page.getByRole('table', { name: 'Secret versions of orders' });
  await ledger.getByText('overlapping').waitFor();
  assert.equal(await ledger.locator('tbody tr', { hasText: 'signing' }).count(), 2, 'the new signing secret and its overlapping predecessor');
  await row.getByRole('button', { name: 'Send test event' }).click();
  await until('the second delivery', () => received.length >= 2);
  assert.ok(signedWith(newSigning, received[1]), 'signed with the rotated secret');

  // Usage as a drawn chart; the empty dead-letter queue; the audit log gated by tier.
  await page.getByRole('link', { name: 'Usage' }).click();
  await page.locator('svg.chart').waitFor();
  const drawn = await page.locator('svg.chart rect.bar.events').evaluateAll((bars) => bars.filter((b) => Number(b.getAttribute('height')) > 0).length);
  assert.equal(drawn, 1, 'today, and only today, had events');
  await shot('08-usage');
  await page.getByRole('link', { name: 'Dead letters' }).click();
  await page.getByText('The dead-letter queue is empty.').waitFor();
  await page.getByRole('link', { name: 'Schedules' }).click();
  await page.getByText('No schedules for this webhook yet.').waitFor();
  await page.getByLabel('Cron (leave empty to run once)').fill('0 3 * * *');
  await page.getByLabel('Time zone (IANA)').fill('Europe/Paris');
  await page.getByLabel('Payload').fill('{"kind": "report"}');
  await page.getByRole('button', { name: 'Create schedule' }).click();
  const scheduleRow = page.locator('tr[data-schedule]');
  await scheduleRow.getByText('0 3 * * * (Europe/Paris)').waitFor();
  await scheduleRow.getByRole('button', { name: 'Pause' }).click();
  await scheduleRow.getByRole('button', { name: 'Resume' }).waitFor();
  page.once('dialog', (d) => d.accept());
  await scheduleRow.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No schedules for this webhook yet.').waitFor();
  await page.getByRole('link', { name: 'Applications' }).click();
  await page.locator('tr', { hasText: 'Globex' }).getByRole('button', { name: 'Create portal link' }).click();
  await dialog.waitFor();
  assert.match(await page.locator('#reveal-value').inputValue(), new RegExp(`^${base}/portal/whpt_`));
  await shot('09-portal-link');
  await page.getByRole('button', { name: 'I have stored it' }).click();

  // Create an application (a bad field is named), then edit it.
  const newApp = page.getByRole('form', { name: 'New application' });
  await newApp.getByLabel('Application name').fill('Initech');
  await newApp.getByLabel('UID').fill('initech');
  await newApp.getByLabel('Metadata').fill('{"plan": ');
  await newApp.getByRole('button', { name: 'Create application' }).click();
  await newApp.getByRole('alert').filter({ hasText: 'metadata' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'metadata');
  await newApp.getByLabel('Metadata').fill('{"plan": "pro"}');
  await newApp.getByLabel('Origins allowed to frame').fill('https://app.initech.example');
  await newApp.getByRole('button', { name: 'Create application' }).click();
  const appRow = page.locator('tr[data-application]', { hasText: 'Initech' });
  await appRow.waitFor();
  await appRow.getByRole('button', { name: 'Edit' }).click();
  const editApp = page.getByRole('form', { name: 'Edit Initech' });
  assert.equal(await editApp.getByLabel('Origins allowed to frame').inputValue(), 'https://app.initech.example');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'name', 'focus moves to the form');
  await editApp.getByLabel('Application name').fill('Initech Corp');
  await editApp.getByRole('button', { name: 'Save application' }).click();
  await page.locator('tr[data-application]', { hasText: 'Initech Corp' }).waitFor();
  await page.locator('tr[data-application]', { hasText: 'Initech Corp' }).getByRole('button', { name: 'Edit' }).click();
  await noSidewaysScrolling(page);
  await shot('10-applications');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByText('not included in the free tier').waitFor();
  await page.getByRole('link', { name: 'Notifications' }).click();
  await page.getByText('not included in the free tier').waitFor();

  // Notification channels, on a tier that has them: the secret once, then deleted after a confirmation.
  cli(['project', 'set-tier', '--project', project.projectId, '--tier', 'pro']);
  await until('the tier to change', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    return (await page.getByRole('button', { name: 'Create channel' }).count()) > 0;
  });
  await page.getByLabel('Channel URL').fill(`http://127.0.0.1:${receiver.address().port}/ops`);
  await page.getByRole('button', { name: 'Create channel' }).click();
  await dialog.waitFor();
  const channelSecret = await page.locator('#reveal-value').inputValue();
  assert.match(channelSecret, /^whsec_/);
  await page.getByRole('button', { name: 'I have stored it' }).click();
  const channelRow = page.locator('tr[data-channel]');
  await channelRow.waitFor();
  assert.ok(!(await page.locator('main').innerText()).includes(channelSecret), 'the secret is not shown again');
  await noSidewaysScrolling(page);
  await shot('11-notifications');
  await channelRow.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: /Delete the channel/ }).waitFor();
  await page.getByRole('button', { name: 'Delete channel' }).click();
  await page.getByText('No notification channels yet.').waitFor();

  // Delete a webhook: nothing happens until its name is typed.
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByLabel('Name', { exact: true }).fill('scratch');
  await page.getByLabel('Destination URL').fill(`http://127.0.0.1:${receiver.address().port}/scratch`);
  await page.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.waitFor();
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await page.getByRole('button', { name: 'I have stored it' }).click();
  const scratch = page.locator('tr[data-webhook]', { hasText: 'scratch' });
  await scratch.getByRole('button', { name: 'Delete', exact: true }).click();
  const confirmDialog = page.getByRole('dialog', { name: 'Delete the webhook scratch?' });
  await confirmDialog.waitFor();
  const typed = confirmDialog.getByLabel('Type "scratch" to confirm');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-input', 'focus starts in the dialog');
  assert.ok(await confirmDialog.getByRole('button', { name: 'Delete webhook' }).isDisabled());
  await typed.fill('scratc');
  assert.ok(await confirmDialog.getByRole('button', { name: 'Delete webhook' }).isDisabled(), 'not until the name matches');
  await shot('12-confirm-delete');
  await confirmDialog.getByRole('button', { name: 'Cancel' }).click();
  await confirmDialog.waitFor({ state: 'hidden' });
  assert.equal(await scratch.count(), 1, 'cancelled: the webhook stays');
  await scratch.getByRole('button', { name: 'Delete', exact: true }).click();
  await typed.fill('scratch');
  await confirmDialog.getByRole('button', { name: 'Delete webhook' }).click();
  await page.getByText('scratch deleted.').waitFor();
  assert.equal(await page.locator('tr[data-webhook]', { hasText: 'scratch' }).count(), 0);
  await page.locator('tr[data-webhook]', { hasText: 'orders' }).waitFor();

  // No horizontal scrolling on a laptop-sized window.
  await noSidewaysScrolling(page);

  // Log out: back to the login form, and the session is gone server-side.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Hookrelay' }).waitFor();
  await shot('07-signed-out');
  const after = await page.evaluate(async () => (await fetch('/dashboard/api/session')).status);
  assert.equal(after, 401);

  // A member's menu leaves out what only owners and admins may use.
  cli(['user', 'create', '--email', 'member@example.com', '--project', project.projectId, '--role', 'member', '--password-stdin'], PASSWORD);
  await page.getByLabel('Email').fill('member@example.com');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  const menu = await page.locator('#nav a').allInnerTexts();
  for (const hidden of ['Notifications', 'Audit log', 'API keys']) assert.ok(!menu.includes(hidden), `${hidden} in ${menu}`);
  assert.ok(menu.includes('Applications'));
  await page.goto(`${base}/dashboard#/notifications`);
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Hookrelay' }).waitFor();
  assert.deepEqual(cspViolations, [], 'the app runs within its Content-Security-Policy');
});
