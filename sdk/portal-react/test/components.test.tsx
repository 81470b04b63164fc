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
