// @vitest-environment node
// The package as a consumer gets it: `npm pack` (which builds it through
// `prepare`), installed from the tarball into a new project, the seed's
// snippet type-checked against it under both module resolutions a React
// app uses, and the built module imported by Node.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

const pkgDir = path.resolve(__dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "hookrelay-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The version this package is developed against, so npm finds it in its cache. */
const installed = (name: string) => JSON.parse(readFileSync(path.join(pkgDir, "node_modules", name, "package.json"), "utf8")).version;

const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });

// The seed's snippet, with the package's import and the baseUrl an app
// not served from Hookrelay's origin needs.
const seedSnippet = `
import { useEffect, useState } from "react";
import { HookbasePortal, EndpointList, MessageLog, PortalClient, type Endpoint } from "@hookrelay/portal-react";

export function PortalPage() {
  const [token, setToken] = useState<string | null>(null);

  useEffect(() => {
    fetch('/api/portal-link')
      .then(res => res.json())
      .then(data => {
        setToken(data.token);
      });
  }, []);

  if (!token) return <div>Loading...</div>;

  return (
    <HookbasePortal token={token} baseUrl="https://hooks.example.com">
      <EndpointList />
      <MessageLog />
    </HookbasePortal>
  );
}

export async function names(token: string): Promise<string[]> {
  const page = await new PortalClient(token, { baseUrl: "https://hooks.example.com" }).listEndpoints();
  return page.data.map((e: Endpoint) => e.name);
}
`;

it("packs with its build, README and licence, and type-checks a consumer", { timeout: 180000 }, () => {
  // The JSON report, after anything `prepare` printed.
  const report = npm(["pack", "--json", "--pack-destination", work], pkgDir);
  const [packed] = JSON.parse(report.slice(report.search(/^\[/m)));
  const files = packed.files.map((f: { path: string }) => f.path);
  for (const f of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/portal.js", "dist/client.d.ts"]) {
    expect(files).toContain(f);
  }
  expect(files.filter((f: string) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);

  const app = path.join(work, "app");
  mkdirSync(path.join(app, "src"), { recursive: true });
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: {
        "@hookrelay/portal-react": `file:${path.join(work, packed.filename)}`,
        react: installed("react"),
        "@types/react": installed("@types/react"),
        typescript: installed("typescript"),
      },
    }),
  );
  writeFileSync(path.join(app, "src/PortalPage.tsx"), seedSnippet);
  npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], app);

  const tsc = path.join(app, "node_modules/.bin/tsc");
  for (const [module, moduleResolution] of [["ESNext", "Bundler"], ["NodeNext", "NodeNext"]]) {
    const args = ["--noEmit", "--strict", "--jsx", "react-jsx", "--target", "ES2020", "--lib", "ES2020,DOM", "--module", module, "--moduleResolution", moduleResolution, "src/PortalPage.tsx"];
    try {
      execFileSync(tsc, args, { cwd: app, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      throw new Error(`tsc (${moduleResolution}) failed on the consumer:\n${(e as { stdout?: string }).stdout}`);
    }
  }

  const exported = execFileSync(process.execPath, ["--input-type=module", "-e", 'const m = await import("@hookrelay/portal-react"); console.log(Object.keys(m).sort().join(","))'], {
    cwd: app,
    encoding: "utf8",
  });
  expect(exported.trim().split(",")).toEqual(expect.arrayContaining(["EndpointList", "HookbasePortal", "HookrelayPortal", "MessageLog", "PortalApiError", "PortalClient"]));
});
