// The seed's Node.js (Express) and Python (Flask) magic-link examples, in
// examples/portal-link/, run against the real server with only the base
// URL, ids and key changed: each answers a portal URL that opens and the
// token the seed's React snippet hands to <HookbasePortal>.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { firstLine, repo, startHookrelay } from "./hookrelay.mjs";

const examples = path.join(repo, "examples/portal-link");
let hookrelay, appId;
const children = [];

before(async () => {
  hookrelay = await startHookrelay();
  appId = (await hookrelay.api("POST", "/v1/applications", { name: "Example customer" })).id;
});

after(() => {
  for (const c of children) c.kill("SIGTERM");
  hookrelay?.stop();
});

function exampleEnv() {
  return { ...process.env, HOOKRELAY_URL: hookrelay.base, ORG_ID: hookrelay.projectId, API_KEY: hookrelay.key, APP_ID: appId };
}

async function checkPortalLink(exampleBase) {
  const res = await fetch(`${exampleBase}/api/portal-link`);
  assert.equal(res.status, 200);
  const { url, token } = await res.json();
  assert.match(url, new RegExp(`^${hookrelay.base}/portal/whpt_[A-Za-z0-9_-]+$`));
  // The seed's React snippet reads `token`: the same one as in the link.
  assert.equal(url, `${hookrelay.base}/portal/${token}`);
  const session = await fetch(`${hookrelay.base}/portal-api/v1/session`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(session.status, 200, "the token authorizes the Portal API");
  const page = await fetch(url);
  assert.equal(page.status, 200, "the link opens the hosted portal");
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
}

test("the seed's Node.js / Express example", async () => {
  const child = spawn(process.execPath, ["server.mjs"], { cwd: path.join(examples, "node"), env: { ...exampleEnv(), PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const exampleBase = (await firstLine(child)).replace("listening on ", "").trim();
  await checkPortalLink(exampleBase);
});

test("the seed's Python / Flask example", async () => {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const python = process.env.PYTHON || "python3";
  const child = spawn(python, ["-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", port], {
    cwd: path.join(examples, "python"),
    env: exampleEnv(),
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  const exampleBase = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${exampleBase}/`).then(() => true, () => false);
    if (up) break;
    assert.ok(i < 200, "the Flask example did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  await checkPortalLink(exampleBase);
});
