// The filter and transformation components against the real server: what
// they save is read back through the Portal API, and what they show of the
// server's refusals and simulations is the server's.

import { afterEach, describe, expect, inject, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { EndpointFilter, EndpointList, EndpointTransformation, HookrelayPortal, PortalClient, type Endpoint } from "../src/index.js";

const fx = inject("fixture");
// The second application: the endpoints and messages made here stay out of the first one's log.
const { writeToken, readToken } = fx.second;
const writer = new PortalClient(writeToken, { baseUrl: fx.baseUrl });

afterEach(cleanup);

/** A new endpoint of the application, so each test has its own. */
const endpoint = (name: string) => writer.createEndpoint({ name, destinationUrl: fx.receiverUrl });

/** A new endpoint with one delivery in its log (the portal's test message). */
async function endpointWithDelivery(name: string): Promise<Endpoint> {
  const e = await endpoint(name);
  const res = await fetch(`${fx.baseUrl}/portal-api/v1/endpoints/${e.id}/test`, {
    method: "POST",
    headers: { authorization: `Bearer ${writeToken}` },
  });
  expect(res.status).toBe(202);
  await waitFor(async () => expect((await writer.listLog({ endpointId: e.id })).data).toHaveLength(1), { timeout: 10000 });
  return e;
}

function show(token: string, children: React.ReactNode) {
  render(
    <HookrelayPortal token={token} baseUrl={fx.baseUrl}>
      {children}
    </HookrelayPortal>,
  );
}

const edit = (region: HTMLElement, label: string, value: string) => fireEvent.change(within(region).getByLabelText(label), { target: { value } });
const click = (region: HTMLElement, name: string) => fireEvent.click(within(region).getByRole("button", { name }));

describe("<EndpointFilter>", () => {
  it("saves a filter the server then holds, and clears it", async () => {
    const e = await endpoint("filtered");
    show(writeToken, <EndpointFilter endpointId={e.id} />);
    const region = await screen.findByRole("region", { name: "Filter" });
    const filter = { and: [{ path: "type", in: ["invoice.paid"] }, { path: "data.amount", gte: 100 }] };
    await within(region).findByLabelText("Filter (JSON)");
    edit(region, "Filter (JSON)", JSON.stringify(filter));
    click(region, "Save filter");
    await within(region).findByText("Filter saved: only matching messages are sent.");
    expect((await writer.getEndpoint(e.id)).filter).toEqual(filter);
    // Shown as the server stored it.
    expect(JSON.parse((within(region).getByLabelText("Filter (JSON)") as HTMLTextAreaElement).value)).toEqual(filter);

    click(region, "Clear filter");
    await within(region).findByText("Filter cleared: every message is sent.");
    expect((await writer.getEndpoint(e.id)).filter).toBeNull();
  });

  it("shows the server's 400 naming the wrong part, on the filter field, and stores nothing", async () => {
    const e = await endpoint("bad filter");
    show(writeToken, <EndpointFilter endpointId={e.id} />);
    const region = await screen.findByRole("region", { name: "Filter" });
    await within(region).findByLabelText("Filter (JSON)");
    edit(region, "Filter (JSON)", JSON.stringify({ and: [{ path: "type", eq: "a" }, { path: "data.amount", gte: "many" }] }));
    click(region, "Save filter");
    const alert = await within(region).findByRole("alert");
    expect(alert.textContent).toBe("filter: and[1].gte: must be a number");
    expect(alert.dataset.field).toBe("filter");
    const textarea = within(region).getByLabelText("Filter (JSON)");
    expect(textarea.getAttribute("aria-invalid")).toBe("true");
    expect(textarea.getAttribute("aria-describedby")).toBe(alert.id);
    expect((await writer.getEndpoint(e.id)).filter).toBeNull();

    // Text that is not JSON never reaches the server.
    edit(region, "Filter (JSON)", "{path:");
    click(region, "Save filter");
    await waitFor(() => expect(within(region).getByRole("alert").textContent).toMatch(/^The filter is not valid JSON: /));
  });

  it("tests the text on a sample payload through the server, with a read token too, which cannot save", async () => {
    const e = await endpoint("tested");
    show(readToken, <EndpointFilter endpointId={e.id} />);
    const region = await screen.findByRole("region", { name: "Filter" });
    const textarea = (await within(region).findByLabelText("Filter (JSON)")) as HTMLTextAreaElement;
    expect(textarea.readOnly).toBe(true);
    expect(within(region).queryByRole("button", { name: "Save filter" })).toBeNull();
    expect(within(region).queryByRole("button", { name: "Clear filter" })).toBeNull();

    edit(region, "Filter (JSON)", JSON.stringify({ path: "data.amount", gte: 100 }));
    edit(region, "Sample payload (JSON)", JSON.stringify({ data: { amount: 150 } }));
    click(region, "Test filter");
    await within(region).findByText("It matches: such a message is sent.");
    edit(region, "Sample payload (JSON)", JSON.stringify({ data: { amount: 50 } }));
    click(region, "Test filter");
    await within(region).findByText("It does not match: such a message is recorded as filtered.");
    edit(region, "Filter (JSON)", JSON.stringify({ path: "data.amount", between: [1, 2] }));
    click(region, "Test filter");
    expect((await within(region).findByRole("alert")).dataset.field).toBe("filter");
  });
});

describe("<EndpointTransformation>", () => {
  it("saves versions, lists them, and simulates the current text on a delivery", async () => {
    const e = await endpointWithDelivery("transformed");
    show(writeToken, <EndpointTransformation endpointId={e.id} />);
    const region = await screen.findByRole("region", { name: "Transformation" });
    await within(region).findByLabelText("Delivery to test on");
    expect(within(region).getByText("No version yet.")).toBeTruthy();

    const code = "function handler(event) { return { body: { kind: event.eventType, endpoint: event.payload.endpointId }, headers: { 'x-kind': event.eventType } } }";
    edit(region, "Code", code);
    click(region, "Save as new version");
    const saved = await within(region).findByText(/^Saved as version trv_/);
    const [first] = await writer.transformationVersions(e.id);
    expect(saved.textContent).toBe(`Saved as version ${first.id}.`);
    expect(first).toMatchObject({ code, enabled: true, actorType: "portal" });
    expect(await writer.transformation(e.id)).toMatchObject({ code, enabled: true, versionId: first.id });
    const versions = await within(region).findByRole("list", { name: "Versions" });
    expect(within(versions).getAllByRole("listitem")).toHaveLength(1);
    expect(within(versions).getByRole("listitem").textContent).toContain("(current)");

    click(region, "Test on this delivery");
    const result = await within(region).findByRole("status", { name: "Simulation" });
    expect(JSON.parse(within(result).getByLabelText("Body").textContent ?? "")).toEqual({ kind: "hookrelay.test", endpoint: e.id });
    expect(within(result).getByLabelText("Headers").textContent).toContain("x-kind: hookrelay.test");
    expect(result.textContent).toContain(`POST ${fx.receiverUrl}`);

    // Disabled keeps the code as a second version; the first is kept.
    fireEvent.click(within(region).getByLabelText("Enabled"));
    click(region, "Save as new version");
    await waitFor(() => expect(within(versions).getAllByRole("listitem")).toHaveLength(2));
    const [second] = await writer.transformationVersions(e.id);
    expect(second).toMatchObject({ code, enabled: false });
    expect(within(versions).getAllByRole("listitem")[0].dataset.versionId).toBe(second.id);
    expect(within(versions).getAllByRole("listitem")[1].textContent).not.toContain("(current)");
  });

  it("shows a failing script's kind, a cancel, and the server's 400 for code that does not compile", async () => {
    const e = await endpointWithDelivery("failing");
    show(writeToken, <EndpointTransformation endpointId={e.id} />);
    const region = await screen.findByRole("region", { name: "Transformation" });
    await within(region).findByLabelText("Delivery to test on");

    edit(region, "Code", "function handler(event) { return event.payload.missing.deeper; }");
    click(region, "Test on this delivery");
    const failed = await within(region).findByRole("status", { name: "Simulation" });
    expect(failed.querySelector("[data-kind]")?.textContent).toBe("transformation_error");

    edit(region, "Code", "function handler(event) { return null; }");
    click(region, "Test on this delivery");
    await within(region).findByText(/^Cancelled: /);

    edit(region, "Code", "function handler(event) { return {");
    click(region, "Save as new version");
    const alert = await within(region).findByRole("alert");
    expect(alert.dataset.field).toBe("code");
    expect(alert.textContent).toMatch(/^code: /);
    expect(within(region).getByLabelText("Code").getAttribute("aria-invalid")).toBe("true");
    expect(await writer.transformationVersions(e.id)).toEqual([]);
  });

  it("with a read token: shows the current code and tests it, but has no save and cannot change the toggle", async () => {
    const e = await endpointWithDelivery("read only");
    const code = "function handler(event) { return { body: 'seen' } }";
    await writer.setTransformation(e.id, { code });
    show(readToken, <EndpointTransformation endpointId={e.id} />);
    const region = await screen.findByRole("region", { name: "Transformation" });
    await within(region).findByLabelText("Delivery to test on");
    expect(within(region).queryByRole("button", { name: "Save as new version" })).toBeNull();
    expect((within(region).getByLabelText("Enabled") as HTMLInputElement).disabled).toBe(true);
    const textarea = within(region).getByLabelText("Code") as HTMLTextAreaElement;
    expect([textarea.readOnly, textarea.value]).toEqual([true, code]);
    click(region, "Test on this delivery");
    const result = await within(region).findByRole("status", { name: "Simulation" });
    expect(within(result).getByLabelText("Body").textContent).toBe("seen");
  });
});

it("<EndpointList> opens an endpoint's filter and transformation", async () => {
  const e = await endpoint("listed");
  await writer.setFilter(e.id, { path: "type", eq: "invoice.paid" });
  show(writeToken, <EndpointList />);
  const list = await screen.findByRole("region", { name: "Endpoints" });
  const item = (await within(list).findByText("listed")).closest("li")!;
  expect(item.textContent).toContain("(filtered)");
  const toggle = within(item).getByRole("button", { name: "Filter & transformation" });
  expect(toggle.getAttribute("aria-expanded")).toBe("false");
  fireEvent.click(toggle);
  const filter = await within(item).findByRole("region", { name: "Filter" });
  await waitFor(() => expect(JSON.parse((within(filter).getByLabelText("Filter (JSON)") as HTMLTextAreaElement).value)).toEqual({ path: "type", eq: "invoice.paid" }));
  expect(within(item).getByRole("region", { name: "Transformation" })).toBeTruthy();
  expect(toggle.getAttribute("aria-expanded")).toBe("true");
});

it("every route the components call answers a cross-origin preflight", async () => {
  // The components run on the project's own site, not on Hookrelay's origin.
  const e = await endpoint("preflight");
  const routes: [string, string][] = [
    ["PATCH", `/endpoints/${e.id}`],
    ["POST", "/filters/test"],
    ["PUT", `/endpoints/${e.id}/transformation`],
    ["GET", `/endpoints/${e.id}/transformation/versions`],
    ["POST", "/transformations/simulate"],
  ];
  for (const [method, route] of routes) {
    const res = await fetch(`${fx.baseUrl}/portal-api/v1${route}`, {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": method, "access-control-request-headers": "authorization, content-type" },
    });
    expect([route, res.ok, res.headers.get("access-control-allow-origin")]).toEqual([route, true, "*"]);
  }
});
