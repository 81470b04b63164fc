// Vitest global setup: the real hookrelay binary on a temporary SQLite
// database and a real receiver on loopback, with one application that has
// an endpoint and a delivered message, and a second application, without
// endpoints, whose tests add their own (so the first one's log stays as its
// tests expect). The components are tested against it.
// HOOKRELAY_BIN overrides the binary (default: the debug build).

import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

export interface Fixture {
  baseUrl: string;
  apiKey: string;
  applicationId: string;
  writeToken: string;
  readToken: string;
  receiverUrl: string;
  /** The second application's tokens. */
  second: { writeToken: string; readToken: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    fixture: Fixture;
  }
}

const repo = path.resolve(__dirname, "../../..");
const bin = process.env.HOOKRELAY_BIN || path.join(path.resolve(repo, process.env.CARGO_TARGET_DIR || "target"), "debug/hookrelay");

let server: ChildProcess | undefined;
let receiver: Server | undefined;
let dir: string | undefined;

export default async function setup(project: TestProject) {
  dir = mkdtempSync(path.join(tmpdir(), "hookrelay-react-"));
  const env: NodeJS.ProcessEnv = { ...process.env, RUST_LOG: "warn" };
  delete env.HOOKRELAY_DATABASE_URL;
  const dataDir = path.join(dir, "data");
  server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--allow-private-destinations"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line: string = await new Promise((resolve, reject) => {
    createInterface({ input: server!.stdout! }).once("line", resolve);
    server!.once("exit", (code) => reject(new Error(`hookrelay exited with ${code}`)));
  });
  const baseUrl = line.replace("hookrelay listening on ", "").trim();
  // Operator commands work on the installation `serve` has set up.
  const created = JSON.parse(execFileSync(bin, ["project", "create", "--name", "react", "--json", "--data-dir", dataDir], { env }).toString());

  let received = 0;
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, "127.0.0.1", r));
  const address = receiver.address();
  const receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks`;

  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(baseUrl + route, {
      method,
      headers: { authorization: `Bearer ${created.apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()).data;
  };
  const app = await api("POST", "/v1/applications", { name: "Initech" });
  await api("POST", "/v1/webhooks", { name: "Existing endpoint", destinationUrl: receiverUrl, applicationId: app.id });
  await api("POST", `/v1/applications/${app.id}/messages`, { eventType: "invoice.paid", payload: { invoice: 1 } });
  // Delivered and recorded, so the log shows it as succeeded.
  for (let i = 0; received === 0 || (await api("GET", "/v1/deliveries?status=succeeded")).length === 0; i++) {
    if (i > 200) throw new Error("the message was never delivered");
    await new Promise((r) => setTimeout(r, 100));
  }
  const second = await api("POST", "/v1/applications", { name: "Globex" });
  const link = (appId: string, scopes: string[]) => api("POST", `/v1/applications/${appId}/portal/magic-link`, { scopes });
  project.provide("fixture", {
    baseUrl,
    apiKey: created.apiKey,
    applicationId: app.id,
    writeToken: (await link(app.id, ["read", "write"])).token,
    readToken: (await link(app.id, ["read"])).token,
    receiverUrl,
    second: { writeToken: (await link(second.id, ["read", "write"])).token, readToken: (await link(second.id, ["read"])).token },
  });

  return async () => {
    server?.kill("SIGTERM");
    receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
