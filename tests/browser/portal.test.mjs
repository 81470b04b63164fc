// The hosted portal in a real browser: headless Chromium (Debian's
// `chromium`) driven by playwright-core, against the real hookrelay binary
// and a real receiver on loopback. Screenshots go to test-artifacts/.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import { repo, startHookrelay } from "./hookrelay.mjs";

const artifacts = path.join(repo, "test-artifacts");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

let hookrelay, api, base, projectId, receiver, receiverUrl, context;
const received = [];

async function until(what, check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  hookrelay = await startHookrelay();
  ({ api, base, projectId } = hookrelay);

  receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200).end("thanks");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;

  mkdirSync(artifacts, { recursive: true });
  context = await chromium.launchPersistentContext(path.join(hookrelay.dir, "chromium-profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await context?.close();
  receiver?.close();
  hookrelay?.stop();
});

test("a magic link opens the portal; a write token manages endpoints; a read token only reads", async () => {
  const app = await api("POST", "/v1/applications", { name: "Globex" });
  await api("POST", "/v1/event-types", { name: "invoice.paid", description: "An invoice was paid" });
  await api("POST", "/v1/webhooks", { name: "Existing endpoint", destinationUrl: "http://127.0.0.1:9/existing", applicationId: app.id, enabled: false });

  const write = await api("POST", `/v1/applications/${app.id}/portal/magic-link`, { scopes: ["read", "write"] });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(write.url);

  // The endpoint list shows, and the token has left the address bar.
  await page.locator("#endpoints tbody tr", { hasText: "Existing endpoint" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/portal/");
  assert.ok(!page.url().includes("whpt_"));
  await page.locator("#scope", { hasText: "read & write" }).waitFor();

  // Create an endpoint through the form.
  await page.fill("input[name=endpointName]", "Billing receiver");
  await page.fill("input[name=url]", receiverUrl);
  await page.click("#new-endpoint button[type=submit]");
  const row = page.locator("#endpoints tbody tr", { hasText: "Billing receiver" });
  await row.waitFor();
  await page.locator("#secret", { hasText: "whsec_" }).waitFor();
  const endpoints = await api("GET", `/v1/webhooks`);
  const created = endpoints.find((w) => w.name === "Billing receiver");
  assert.equal(created.applicationId, app.id);
  assert.equal(created.destinationUrl, receiverUrl);

  // The customer sets the endpoint's rate limit; its status says so.
  page.once("dialog", (d) => d.accept("25"));
  await row.getByRole("button", { name: "Rate limit" }).click();
  await row.getByText("at most 25/s").waitFor();
  assert.equal((await api("GET", `/v1/webhooks/${created.id}`)).rateLimit, 25);

  // The customer filters what the endpoint gets, and tries the filter on a sample.
  page.once("dialog", (d) => d.accept('{"path": "invoice", "gte": 1}'));
  await row.getByRole("button", { name: "Filter", exact: true }).click();
  await row.getByText("all (filtered)").waitFor();
  assert.deepEqual((await api("GET", `/v1/webhooks/${created.id}`)).filter, { path: "invoice", gte: 1 });
  page.once("dialog", (d) => d.accept('{"invoice": 0}'));
  await row.getByRole("button", { name: "Test filter" }).click();
  await page.getByText("It does not match").waitFor();

  // A message is delivered and shows in the log as succeeded.
  await api("POST", `/v1/applications/${app.id}/messages`, { eventType: "invoice.paid", payload: { invoice: 42 } });
  await until("the receiver to get the message", () => received.length >= 1);
  assert.deepEqual(JSON.parse(received[0].body), { invoice: 42 });
  const logRow = page.locator("#log tbody tr", { hasText: "invoice.paid" }).filter({ hasText: "succeeded" });
  await until("a succeeded delivery in the log", async () => {
    await page.click("#refresh");
    return (await logRow.count()) > 0;
  });
  await logRow.first().getByRole("button", { name: "Attempts" }).click();
  await page.locator("#attempts", { hasText: "HTTP 200" }).waitFor();
  await page.screenshot({ path: path.join(artifacts, "portal-write.png"), fullPage: true });
  assert.deepEqual(errors, []);

  // A read-only token: the same data, no write controls at all.
  const read = await api("POST", `/api/organizations/${projectId}/portal/webhook-applications/${app.id}/magic-link`, { scopes: ["read"] });
  const readPage = await context.newPage();
  await readPage.goto(read.url);
  await readPage.locator("#endpoints tbody tr", { hasText: "Billing receiver" }).waitFor();
  await readPage.locator("#log tbody tr", { hasText: "invoice.paid" }).first().waitFor();
  await readPage.locator("#scope", { hasText: "read only" }).waitFor();
  assert.equal(await readPage.locator("#new-endpoint").isVisible(), false);
  for (const label of ["Add endpoint", "Delete", "Disable", "Enable", "Filter", "Rate limit", "Replay", "Rotate secret", "Reveal secret", "Send test"]) {
    assert.equal(await readPage.getByRole("button", { name: label }).count(), 0, `no "${label}" with a read token`);
  }
  await readPage.screenshot({ path: path.join(artifacts, "portal-read.png"), fullPage: true });

  // A revoked or unknown link shows the expiry notice, not the portal.
  const bad = await context.newPage();
  await bad.goto(`${base}/portal/whpt_not-a-real-token`);
  await bad.locator("#notice", { hasText: "expired" }).waitFor();
  assert.equal(await bad.locator("#portal").isVisible(), false);
});
