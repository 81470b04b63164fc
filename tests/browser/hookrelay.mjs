// Starts the real hookrelay binary on a temporary SQLite database and
// creates a project. HOOKRELAY_BIN overrides the binary (default: the debug
// build in CARGO_TARGET_DIR or target/).

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.HOOKRELAY_BIN || path.join(path.resolve(repo, process.env.CARGO_TARGET_DIR || "target"), "debug/hookrelay");

/** The first line a child prints on stdout. */
export function firstLine(child) {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} exited with ${code}`)));
  });
}

export async function startHookrelay() {
  const dir = mkdtempSync(path.join(tmpdir(), "hookrelay-js-"));
  const env = { ...process.env, RUST_LOG: "warn" };
  delete env.HOOKRELAY_DATABASE_URL;
  const dataDir = path.join(dir, "data");
  const server = spawn(bin, ["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--allow-private-destinations"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = (await firstLine(server)).replace("hookrelay listening on ", "").trim();
  // Operator commands work on the installation `serve` has set up.
  const created = JSON.parse(execFileSync(bin, ["project", "create", "--name", "js", "--json", "--data-dir", dataDir], { env }).toString());
  const key = created.apiKey;
  const api = async (method, route, body) => {
    const res = await fetch(base + route, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => null);
    assert.ok(res.ok, `${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json.data;
  };
  return {
    dir,
    base,
    key,
    projectId: created.projectId,
    api,
    stop() {
      server.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
