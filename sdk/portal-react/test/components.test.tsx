import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { EndpointList, HookbasePortal, HookrelayPortal, MessageLog, PortalApiError, PortalClient } from "../src/index.js";

const fx = inject("fixture");

afterEach(cleanup);

function portal(token: string) {
  return render(
    <HookrelayPortal token={token} baseUrl={fx.baseUrl}>
      <EndpointList />
      <MessageLog />
    </HookrelayPortal>,
  );
}

describe("<HookrelayPortal> with a write token", () => {
  it("lists endpoints and adds one through the form", async () => {
    portal(fx.writeToken);
    const list = await screen.findByRole("region", { name: "Endpoints" });
    await within(list).findByText("Existing endpoint");

    fireEvent.change(within(list).getByLabelText("Endpoint name"), { target: { value: "From React" } });
    fireEvent.change(within(list).getByLabelText("Endpoint URL"), { target: { value: fx.receiverUrl } });
    fireEvent.click(within(list).getByRole("button", { name: "Add endpoint" }));
    await within(list).findByText("From React");
    expect(within(list).getByText(/^Signing secret: whsec_/)).toBeTruthy();

    // The server really has it, as an endpoint of this application.
    const stored = await new PortalClient(fx.writeToken, { baseUrl: fx.baseUrl }).listEndpoints();
    const created = stored.data.find((e) => e.name === "From React");
    expect(created?.applicationId).toBe(fx.applicationId);
    expect(created?.destinationUrl).toBe(fx.receiverUrl);
  });

  it("shows the delivered message with its attempts and offers replay", async () => {
    portal(fx.writeToken);
    const log = await screen.findByRole("region", { name: "Message log" });
    await within(log).findByText("invoice.paid");
    await waitFor(() => expect(log.querySelector("li .status-succeeded")?.textContent).toBe("succeeded"), { timeout: 10000 });
    fireEvent.click(within(log).getByRole("button", { name: "Attempts" }));
    await within(log).findByText(/HTTP 200/);
    expect(within(log).getAllByRole("button", { name: "Replay" }).length).toBeGreaterThan(0);
  });
});

describe("<HookrelayPortal> with a read token", () => {
  it("shows endpoints and the log without any write control", async () => {
    portal(fx.readToken);
    const list = await screen.findByRole("region", { name: "Endpoints" });
    await within(list).findByText("Existing endpoint");
    const log = screen.getByRole("region", { name: "Message log" });
    await within(log).findByText("invoice.paid");
    for (const name of ["Add endpoint", "Delete", "Disable", "Enable", "Replay"]) {
      expect(screen.queryAllByRole("button", { name })).toHaveLength(0);
    }
    expect(screen.queryByRole("form", { name: "Add endpoint" })).toBeNull();
  });

  it("is refused by the API when it tries to write anyway", async () => {
    const client = new PortalClient(fx.readToken, { baseUrl: fx.baseUrl });
    const err = await client.createEndpoint({ name: "x", destinationUrl: fx.receiverUrl }).catch((e) => e);
    expect(err).toBeInstanceOf(PortalApiError);
    expect(err.status).toBe(403);
  });
});

describe("tokens", () => {
  it("shows the API's error for an invalid token instead of the children", async () => {
    render(
      <HookbasePortal token="whpt_not-a-token" baseUrl={fx.baseUrl}>
        <EndpointList />
      </HookbasePortal>,
    );
    expect((await screen.findByRole("alert")).textContent).toMatch(/invalid, expired or revoked/);
    expect(screen.queryByRole("region", { name: "Endpoints" })).toBeNull();
  });

  it("exports HookbasePortal, the seed's name, as the same component", () => {
    expect(HookbasePortal).toBe(HookrelayPortal);
  });
});

describe("when the Portal API cannot be had, a clear message instead of an endless Loading", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });
  async function listen(handler: RequestListener): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  async function alertFor(props: { token: string; baseUrl?: string; timeoutMs?: number }) {
    render(
      <HookrelayPortal {...props}>
        <EndpointList />
        <MessageLog />
      </HookrelayPortal>,
    );
    const text = (await screen.findByRole("alert", {}, { timeout: 10000 })).textContent ?? "";
    expect(screen.queryByText("Loading…")).toBeNull();
    return text;
  }

  it("nothing listens at baseUrl", async () => {
    const closed = await listen(() => {});
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    const text = await alertFor({ token: fx.readToken, baseUrl: closed });
    expect(text).toMatch(/^Cannot reach the Hookrelay Portal API at http:\/\/127\.0\.0\.1:\d+\/portal-api\/v1 .*Set baseUrl/);
  });

  it("something else answers there (the app's own server, an HTML page)", async () => {
    const app = await listen((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><p>my app</p>"));
    expect(await alertFor({ token: fx.readToken, baseUrl: app })).toMatch(/did not answer as the Hookrelay Portal API \(HTTP 200\)\. Set baseUrl/);
  });

  it("the API does not answer in time", async () => {
    const silent = await listen(() => {});
    expect(await alertFor({ token: fx.readToken, baseUrl: silent, timeoutMs: 300 })).toMatch(/did not answer within 300 ms/);
  });

  it("no token was given (a link answer without one)", async () => {
    expect(await alertFor({ token: undefined as unknown as string, baseUrl: fx.baseUrl })).toMatch(/No portal token/);
  });
});
