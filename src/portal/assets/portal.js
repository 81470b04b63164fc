// The hosted customer portal. The token arrives in the URL once; it is taken
// out of the address bar and history at once and kept only in memory, so it
// cannot leak through bookmarks, history, screenshots of the URL or
// Referer headers. All text is inserted as text (never as HTML).
"use strict";

(function () {
  const match = location.pathname.match(/^\/portal\/(whpt_[A-Za-z0-9_-]+)$/);
  const token = match ? match[1] : null;
  history.replaceState(null, "", "/portal/");

  const $ = (id) => document.getElementById(id);
  let canWrite = false;
  let endpoints = [];
  let logCursor = null;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    const { dataset, ...rest } = props || {};
    Object.assign(node, rest);
    Object.assign(node.dataset, dataset || {});
    for (const c of children || []) node.append(c);
    return node;
  }

  function notice(text) {
    $("notice").textContent = text;
    $("notice").hidden = false;
  }

  async function call(method, path, body) {
    const res = await fetch("/portal-api/v1" + path, {
      method,
      headers: Object.assign({ authorization: "Bearer " + token }, body ? { "content-type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    const json = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.status === 401) {
      $("portal").hidden = true;
      notice("This portal link has expired or was revoked. Ask for a new link.");
      throw new Error("unauthorized");
    }
    if (!res.ok) {
      const msg = json && json.error ? json.error.message : "request failed (" + res.status + ")";
      notice(msg);
      throw new Error(msg);
    }
    return json;
  }

  function button(label, onClick, extra) {
    return el("button", Object.assign({ type: "button", textContent: label, onclick: onClick }, extra || {}));
  }

  async function loadEndpoints() {
    const res = await call("GET", "/endpoints?limit=100");
    endpoints = res.data;
    const body = $("endpoints").tBodies[0];
    body.replaceChildren();
    for (const e of endpoints) {
      const actions = [];
      if (canWrite) {
        actions.push(
          button(e.enabled ? "Disable" : "Enable", () => act(() => call("PATCH", "/endpoints/" + e.id, { enabled: !e.enabled }))),
          button("Send test", () => act(() => call("POST", "/endpoints/" + e.id + "/test"), true)),
          button("Reveal secret", () => act(async () => showSecret((await call("GET", "/endpoints/" + e.id + "/secret")).data.signingSecret))),
          button("Rotate secret", () => act(async () => showSecret((await call("POST", "/endpoints/" + e.id + "/rotate-secret")).data.signingSecret))),
          button("Rate limit", () => {
            const answer = prompt("Deliveries per second at most for " + e.name + " (empty: no limit)", e.rateLimit === null ? "" : String(e.rateLimit));
            if (answer === null) return;
            act(() => call("PATCH", "/endpoints/" + e.id, { rateLimit: answer.trim() === "" ? null : Number(answer) }));
          }),
          button("Filter", () => {
            const answer = prompt("Send " + e.name + " only the messages matching this filter (JSON, e.g. {\"path\": \"data.amount\", \"gte\": 100}; empty: all)",
              e.filter ? JSON.stringify(e.filter) : "");
            if (answer === null) return;
            act(() => call("PATCH", "/endpoints/" + e.id, { filter: answer.trim() === "" ? null : JSON.parse(answer) }));
          }),
          ...(e.filter ? [button("Test filter", () => {
            const sample = prompt("A sample message payload (JSON) to test the filter of " + e.name + " on", "{}");
            if (sample === null) return;
            act(async () => {
              const r = await call("POST", "/filters/test", { filter: e.filter, payload: JSON.parse(sample) });
              notice(r.data.matches ? "It matches: such a message is sent." : "It does not match: such a message is recorded as filtered.");
            });
          })] : []),
          button("Transformation", () => act(() => showTransformation(e))),
          button("Delete", () => confirm("Delete endpoint " + e.name + "?") && act(() => call("DELETE", "/endpoints/" + e.id)), { className: "danger" }),
        );
      }
      body.append(
        el("tr", { dataset: { endpointId: e.id } }, [
          el("td", { textContent: e.name }),
          el("td", { className: "url", textContent: e.destinationUrl }),
          el("td", { textContent: (e.eventTypes ? e.eventTypes.join(", ") : "all") + (e.filter ? " (filtered)" : "") }),
          el("td", { textContent: endpointStatus(e) }),
          el("td", {}, actions),
        ]),
      );
    }
    if (endpoints.length === 0) body.append(el("tr", {}, [el("td", { colSpan: 5, textContent: "No endpoints yet." })]));
    const filter = document.forms.filters.endpointId;
    const chosen = filter.value;
    filter.replaceChildren(el("option", { value: "", textContent: "All endpoints" }), ...endpoints.map((e) => el("option", { value: e.id, textContent: e.name })));
    filter.value = chosen;
  }

  // Enabled or not (with what it holds), the circuit when not closed, and
  // the rate limit when set.
  function endpointStatus(e) {
    const parts = [e.enabled ? "enabled" : "disabled"];
    if (e.heldCount > 0) parts.push(e.heldCount + " held");
    if (e.circuit.state !== "closed") {
      parts.push("circuit " + e.circuit.state + (e.circuit.nextProbeAt ? ", next try " + new Date(e.circuit.nextProbeAt).toLocaleString() : ""));
    }
    if (e.rateLimit !== null) parts.push("at most " + e.rateLimit + "/s");
    return parts.join(" · ");
  }

  // The endpoint's transformation in the form below the table: saved as a
  // new version, or tried on the endpoint's last message (nothing is sent).
  let transforming = null;
  async function showTransformation(e) {
    const t = (await call("GET", "/endpoints/" + e.id + "/transformation")).data;
    const form = document.forms.transformation;
    transforming = e;
    $("transformation-title").textContent = "Transformation of " + e.name + (t.versionId ? " (version " + t.versionId + ")" : "");
    form.code.value = t.code || "";
    form.enabled.checked = t.code ? t.enabled : true;
    $("transformation-result").textContent = "";
    form.hidden = false;
  }

  async function saveTransformation(ev) {
    ev.preventDefault();
    const form = document.forms.transformation;
    await act(async () => {
      const r = await call("PUT", "/endpoints/" + transforming.id + "/transformation", { code: form.code.value, enabled: form.enabled.checked });
      notice("Saved as version " + r.data.versionId + ".");
    });
  }

  async function testTransformation() {
    const form = document.forms.transformation;
    const last = (await call("GET", "/deliveries?limit=1&endpointId=" + encodeURIComponent(transforming.id))).data;
    if (last.length === 0) {
      $("transformation-result").textContent = "No message to test on yet: send a test first.";
      return;
    }
    const r = await call("POST", "/transformations/simulate", { code: form.code.value, deliveryId: last[0].id });
    $("transformation-result").textContent = JSON.stringify(r.data, null, 2);
  }

  function showSecret(secret) {
    $("secret").textContent = "Signing secret: " + secret;
    $("secret").hidden = false;
  }

  async function act(fn, refreshLog) {
    $("notice").hidden = true;
    try {
      await fn();
      await loadEndpoints();
      if (refreshLog) setTimeout(() => loadLog(false), 500);
    } catch (e) {
      if ($("notice").hidden) notice(String(e));
    }
  }

  async function loadEventTypes() {
    const types = (await call("GET", "/event-types?limit=100")).data;
    const options = types.map((t) => el("option", { value: t.name, textContent: t.name, title: t.description }));
    document.forms["new-endpoint"].eventTypes.replaceChildren(...options.map((o) => o.cloneNode(true)));
    document.forms.filters.eventType.replaceChildren(el("option", { value: "", textContent: "Any event type" }), ...options);
  }

  async function loadLog(more) {
    const f = document.forms.filters;
    const q = new URLSearchParams({ limit: "25" });
    for (const name of ["endpointId", "status", "eventType"]) if (f[name].value) q.set(name, f[name].value);
    if (more && logCursor) q.set("cursor", logCursor);
    const res = await call("GET", "/deliveries?" + q);
    logCursor = res.nextCursor;
    $("more").hidden = !res.hasMore;
    const body = $("log").tBodies[0];
    if (!more) body.replaceChildren();
    const names = Object.fromEntries(endpoints.map((e) => [e.id, e.name]));
    for (const d of res.data) {
      const row = el("tr", { dataset: { deliveryId: d.id } }, [
        el("td", { textContent: new Date(d.createdAt).toLocaleString() }),
        el("td", { textContent: d.eventType || "" }),
        el("td", { textContent: names[d.webhookId] || d.webhookId }),
        el("td", { className: "status-" + d.status, textContent: d.status }),
        el("td", { textContent: String(d.attemptCount) }),
        el("td", {}, [
          button("Attempts", () => showAttempts(d, row)),
          ...(canWrite ? [button("Replay", () => act(() => call("POST", "/deliveries/" + d.id + "/replay"), true))] : []),
        ]),
      ]);
      body.append(row);
    }
    if (!more && res.data.length === 0) body.append(el("tr", {}, [el("td", { colSpan: 6, textContent: "No messages yet." })]));
  }

  async function showAttempts(d, row) {
    for (const r of $("log").querySelectorAll("tr.selected")) r.classList.remove("selected");
    row.classList.add("selected");
    const [detail, message] = await Promise.all([call("GET", "/deliveries/" + d.id), call("GET", "/messages/" + d.eventId).catch(() => null)]);
    const box = $("attempts");
    box.replaceChildren(el("h3", { textContent: "Delivery " + d.id }));
    if (message) box.append(el("pre", { textContent: JSON.stringify(message.data.payload, null, 2) }));
    for (const a of detail.data.attempts) {
      const outcome = a.statusCode ? "HTTP " + a.statusCode : a.errorKind + (a.errorMessage ? ": " + a.errorMessage : "");
      box.append(el("p", { textContent: "#" + a.attempt + " " + new Date(a.startedAt).toLocaleString() + " — " + outcome + " (" + a.durationMs + " ms)" }));
      if (a.responseExcerpt) box.append(el("pre", { textContent: a.responseExcerpt }));
    }
    if (detail.data.attempts.length === 0) box.append(el("p", { textContent: "No attempts yet." }));
    box.hidden = false;
  }

  async function start() {
    if (!token) {
      notice("Open the portal with the link you were given; links work once per visit and expire.");
      return;
    }
    try {
      const session = (await call("GET", "/session")).data;
      canWrite = session.scopes.includes("write");
      $("app-name").textContent = session.applicationName + " — webhooks";
      $("scope").textContent = canWrite ? "read & write" : "read only";
      document.forms["new-endpoint"].hidden = !canWrite;
      $("portal").hidden = false;
      await loadEventTypes();
      await loadEndpoints();
      await loadLog(false);
    } catch (e) {
      if ($("notice").hidden) notice(String(e));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.forms["new-endpoint"].addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = ev.target;
      const types = [...f.eventTypes.selectedOptions].map((o) => o.value);
      act(async () => {
        const created = await call("POST", "/endpoints", {
          name: f.endpointName.value,
          destinationUrl: f.url.value,
          ...(types.length ? { eventTypes: types } : {}),
        });
        showSecret(created.data.signingSecret);
        f.reset();
      });
    });
    document.forms.transformation.addEventListener("submit", saveTransformation);
    $("transformation-test").onclick = () => testTransformation().catch(() => {});
    document.forms.filters.addEventListener("change", () => loadLog(false).catch(() => {}));
    $("refresh").onclick = () => loadLog(false).catch(() => {});
    $("more").onclick = () => loadLog(true).catch(() => {});
    start();
  });
})();
