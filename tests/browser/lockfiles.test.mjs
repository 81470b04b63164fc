// Every package-lock.json records every optional package its packages
// name (esbuild's and rollup's binaries for each platform), as `npm ci`
// requires on Linux (glibc and musl), macOS and Windows alike: a lock made
// on one platform that left out the others' fails there with "Missing: ...
// from lock file".

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repo } from "./hookrelay.mjs";

const locks = ["sdk/portal-react", "tests/browser", "examples/portal-link/node"];

/** Where npm looks for `name` as needed by the package at `from`: its own node_modules, then each parent's. */
function resolve(packages, from, name) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(dir.lastIndexOf("/node_modules/"), 0))) {
    const at = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[at]) return at;
    if (!dir) return null;
  }
}

for (const dir of locks) {
  test(`${dir}/package-lock.json records every optional platform package`, () => {
    const lock = JSON.parse(readFileSync(path.join(repo, dir, "package-lock.json"), "utf8"));
    assert.equal(lock.lockfileVersion, 3);
    const packages = lock.packages;
    const missing = [];
    for (const [at, pkg] of Object.entries(packages)) {
      for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
        if (!resolve(packages, at, name)) missing.push(`${name} (for ${at || "the root"})`);
      }
    }
    assert.deepEqual(missing, []);
    // The locked tree is the one package.json asks for.
    const manifest = JSON.parse(readFileSync(path.join(repo, dir, "package.json"), "utf8"));
    for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
      assert.deepEqual(packages[""][field] ?? {}, manifest[field] ?? {}, `${field} of ${dir}`);
    }
  });
}
