// The Hookrelay dashboard: a small client app over /dashboard/api. No build
// step, no dependencies. Every string from the server goes into the page
// through textContent or attributes, never as HTML.
'use strict';

const state = { session: null, project: null };

// ---- helpers -------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

let fieldSeq = 0;
// A labelled input (or select); returns [label, control].
function field(labelText, control) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  return [el('label', { for: id, text: labelText }), control];
}

function status(message) {
  document.getElementById('status').textContent = message || '';
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `request failed (${status})`);
    this.status = status;
    this.field = body && body.error && body.error.field;
    this.code = body && body.error && body.error.code;
  }
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.session) headers['x-csrf-token'] = state.session.csrfToken;
  const res = await fetch(`/dashboard/api${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (res.status === 401 && state.session && !path.startsWith('/login')) {
    state.session = null;
    showLogin('Your session has ended. Sign in again.');
    const e = new ApiError(401, json);
    e.handled = true;
    throw e;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

function projectPath(rest) {
  return `/projects/${encodeURIComponent(state.project)}${rest}`;
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function errorBox() {
  return el('p', { class: 'error', role: 'alert' });
}

// Runs an action from a button or form, showing its error next to it and
// moving focus to the field the server named, if any.
async function attempt(box, fn, form) {
  box.textContent = '';
  if (form) for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  try {
    await fn();
  } catch (e) {
    if (e.handled) return;
    box.textContent = e.message;
    const bad = form && e.field && form.querySelector(`[name="${CSS.escape(e.field)}"]`);
    if (bad) {
      bad.setAttribute('aria-invalid', 'true');
      bad.focus();
    }
  }
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    status('Copied to the clipboard.');
  } catch {
    status('Copy failed: select the text and copy it by hand.');
  }
}

function reveal(label, secret) {
  const dialog = document.getElementById('reveal');
  document.getElementById('reveal-label').textContent = label;
  const input = document.getElementById('reveal-value');
  input.value = secret;
  dialog.showModal();
  input.focus();
  input.select();
  return new Promise((resolve) => dialog.addEventListener('close', () => {
    input.value = '';
    resolve();
  }, { once: true }));
}

// Asks before something that cannot be undone; with `typed`, the user types
// that text (a webhook's name) before the action button works. Resolves
// true to go ahead. The dialog's controls are wired once, at start-up.
function confirmAction({ title, message, action, typed }) {
  const dialog = document.getElementById('confirm');
  const input = document.getElementById('confirm-input');
  const ok = document.getElementById('confirm-ok');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-message').textContent = message;
  document.getElementById('confirm-typed').hidden = !typed;
  document.getElementById('confirm-label').textContent = typed ? `Type "${typed}" to confirm` : '';
  dialog.dataset.expected = typed || '';
  input.value = '';
  ok.textContent = action;
  ok.disabled = Boolean(typed);
  dialog.returnValue = '';
  dialog.showModal();
  (typed ? input : document.getElementById('confirm-cancel')).focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function wireConfirmDialog() {
  const dialog = document.getElementById('confirm');
  const input = document.getElementById('confirm-input');
  const ok = document.getElementById('confirm-ok');
  input.addEventListener('input', () => { ok.disabled = input.value !== dialog.dataset.expected; });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      if (!ok.disabled) dialog.close('ok');
    }
  });
  ok.addEventListener('click', () => dialog.close('ok'));
  document.getElementById('confirm-cancel').addEventListener('click', () => dialog.close());
}

// ---- views -----------------------------------------------------------------

// Sections of the dashboard. `adminOnly` ones are for owners and admins
// (the server refuses members there) and are left out of a member's menu.
const views = [];
function registerView(id, label, render, { adminOnly = false } = {}) {
  views.push({ id, label, render, adminOnly });
}

function projectRole() {
  const p = state.session.projects.find((x) => x.id === state.project);
  return p ? p.role : 'member';
}

function visibleViews() {
  const admin = projectRole() !== 'member';
  return views.filter((v) => admin || !v.adminOnly);
}

function buildNav() {
  document.getElementById('nav').replaceChildren(...visibleViews().map((v) => el('a', { href: `#/${v.id}`, 'data-view': v.id, text: v.label })));
}

function currentView() {
  const id = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'webhooks';
  const shown = visibleViews();
  return shown.find((v) => v.id === id) || shown[0];
}

async function render() {
  const main = document.getElementById('main');
  const view = currentView();
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === view.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren(el('h1', { text: view.label }));
  try {
    await view.render(main, location.hash.split('/').slice(2));
  } catch (e) {
    if (!e.handled) main.append(el('p', { class: 'error', role: 'alert', text: e.message }));
  }
  main.focus();
}

// A form's buttons: submit, and Cancel (calling `cancel`) when editing.
function submitRow(label, cancel) {
  return el('div', { class: 'row' }, el('button', { type: 'submit', text: label }),
    cancel ? el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => cancel() }) : null);
}

function webhookForm(existing, done) {
  const name = el('input', { name: 'name', required: true, maxlength: 200, value: existing ? existing.name : '' });
  const url = el('input', { name: 'destinationUrl', type: 'url', required: true, value: existing ? existing.destinationUrl : '' });
  const description = el('input', { name: 'description', value: existing ? existing.description : '' });
  const timeout = el('input', { name: 'timeoutSeconds', type: 'number', min: 1, max: 30, required: true, value: existing ? existing.timeoutSeconds : 15 });
  const schedule = el('input', { name: 'retrySchedule', inputmode: 'numeric', placeholder: 'default: 5, 300, 1800, 7200, 18000, 36000, 36000',
    value: existing ? existing.retrySchedule.join(', ') : '' });
  const headers = el('textarea', { name: 'headers', rows: 3, placeholder: 'X-Team: payments' });
  headers.value = existing ? Object.entries(existing.headers).map(([k, v]) => `${k}: ${v}`).join('\n') : '';
  const maxInFlight = el('input', { name: 'maxInFlight', type: 'number', min: 1, max: 1000, placeholder: 'default: the server\'s (20)',
    value: existing && existing.maxInFlight !== null ? existing.maxInFlight : '' });
  const rateLimit = el('input', { name: 'rateLimit', type: 'number', min: 1, max: 10000, placeholder: 'none',
    value: existing && existing.rateLimit !== null ? existing.rateLimit : '' });
  const ordering = el('select', { name: 'ordering' },
    el('option', { value: 'none', text: 'Any order, in parallel' }),
    el('option', { value: 'fifo', text: 'FIFO: one at a time, in ingest order' }));
  ordering.value = existing ? existing.ordering : 'none';
  const enabled = el('input', { type: 'checkbox', name: 'enabled', id: `enabled${++fieldSeq}` });
  enabled.checked = existing ? existing.enabled : true;
  const filter = el('textarea', { name: 'filter', rows: 3, class: 'mono', placeholder: '{"path": "type", "in": ["invoice.paid"]}' });
  filter.value = existing && existing.filter ? JSON.stringify(existing.filter) : '';
  const sample = el('textarea', { name: 'samplePayload', rows: 2, class: 'mono', placeholder: '{"type": "invoice.paid"}' });
  const filterResult = el('span', { class: 'muted', role: 'status' });
  const testFilter = el('button', { type: 'button', class: 'secondary', text: 'Test filter on the sample' });
  const verification = existing && existing.verification ? existing.verification : null;
  const provider = el('select', { name: 'provider' },
    el('option', { value: '', text: 'None: the bearer ingest secret' }),
    ...['stripe', 'github', 'shopify', 'slack', 'standard-webhooks', 'twilio', 'hmac', 'basic'].map((p) => el('option', { value: p, text: p })));
  provider.value = verification ? verification.provider : '';
  const providerSecret = el('input', { name: 'verificationSecret', type: 'password', autocomplete: 'off',
    placeholder: verification ? 'unchanged' : 'from the provider (generated if empty where allowed)' });
  const { provider: _p, requireIngestSecret: _r, ...extra } = verification || {};
  const providerOptions = el('input', { name: 'verificationOptions', class: 'mono', value: Object.keys(extra).length ? JSON.stringify(extra) : '',
    placeholder: 'hmac: {"header": "x-signature", "prefix": "sha256="}; basic: {"username": "u"}' });
  const requireBoth = el('input', { type: 'checkbox', name: 'requireIngestSecret', id: `both${++fieldSeq}` });
  requireBoth.checked = verification ? verification.requireIngestSecret : false;
  const err = errorBox();
  const parseJson = (text, name) => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw Object.assign(new Error(`${name}: not JSON (${e.message})`), { field: name });
    }
  };
  testFilter.addEventListener('click', () => attempt(err, async () => {
    const r = await api('POST', projectPath('/filters/test'),
      { filter: parseJson(filter.value, 'filter'), payload: parseJson(sample.value || '{}', 'samplePayload') });
    filterResult.textContent = r.data.matches ? 'matches: it would be sent' : 'does not match: it would be recorded filtered';
  }));
  const form = el('form', { class: 'card', 'aria-label': existing ? `Edit ${existing.name}` : 'New webhook' },
    el('h2', { text: existing ? `Edit ${existing.name}` : 'New webhook' }),
    field('Name', name),
    field('Destination URL', url),
    field('Description (optional)', description),
    field('Request timeout (seconds, 1 to 30)', timeout),
    field('Retry delays in seconds, comma-separated (empty: the default)', schedule),
    field('Extra request headers, one "Name: value" per line', headers),
    field('Requests in flight at most (empty: the server default)', maxInFlight),
    field('Deliveries per second at most (empty: no limit)', rateLimit),
    field('Order', ordering),
    el('div', { class: 'check' }, enabled, el('label', { for: enabled.id, text: 'Enabled' })),
    field('Filter (JSON; empty: every event is sent)', filter),
    field('Sample payload to test the filter on', sample),
    el('div', { class: 'row' }, testFilter, filterResult),
    field('Provider verification at the ingest URL', provider),
    field('Provider secret', providerSecret),
    field('Provider options (JSON, optional)', providerOptions),
    el('div', { class: 'check' }, requireBoth, el('label', { for: requireBoth.id, text: 'Require the bearer ingest secret as well' })),
    err,
    submitRow(existing ? 'Save changes' : 'Create webhook', existing && done));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      const delays = schedule.value.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
      const body = { name: name.value, destinationUrl: url.value, description: description.value, enabled: enabled.checked,
        timeoutSeconds: Number(timeout.value), headers: parseHeaders(headers.value) };
      if (delays.length) body.retrySchedule = delays;
      else if (existing) body.retrySchedule = null;
      const optional = (input) => (input.value.trim() === '' ? null : Number(input.value));
      if (maxInFlight.value.trim() !== '' || existing) body.maxInFlight = optional(maxInFlight);
      if (rateLimit.value.trim() !== '' || existing) body.rateLimit = optional(rateLimit);
      body.ordering = ordering.value;
      if (filter.value.trim() !== '') body.filter = parseJson(filter.value, 'filter');
      else if (existing) body.filter = null;
      if (provider.value) {
        const v = { ...(providerOptions.value.trim() ? parseJson(providerOptions.value, 'verificationOptions') : {}),
          provider: provider.value, requireIngestSecret: requireBoth.checked };
        if (providerSecret.value) v.secret = providerSecret.value;
        body.verification = v;
      } else if (existing && verification) body.verification = null;
      if (existing) {
        const res = await api('PATCH', projectPath(`/webhooks/${existing.id}`), body);
        status(`Saved ${body.name}.`);
        if (res.data.verificationSecret) await reveal('Provider verification secret (set it at the provider)', res.data.verificationSecret);
      } else {
        const res = await api('POST', projectPath('/webhooks'), body);
        status(`Created ${res.data.name}.`);
        await reveal('Signing secret (verify deliveries with it)', res.data.signingSecret);
        await reveal('Ingest secret (send events with it)', res.data.ingestSecret);
        if (res.data.verificationSecret) await reveal('Provider verification secret (set it at the provider)', res.data.verificationSecret);
      }
      done();
    }, form);
  });
  return form;
}

// "Name: value" lines to an object; the server checks names and values.
function parseHeaders(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at < 1) throw Object.assign(new Error(`headers: "${line.trim()}" is not "Name: value"`), { field: 'headers' });
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

// A table of `rows` under `headers`, or `note` when there are none.
function tableOrNote(rows, note, label, headers, row) {
  if (rows.length === 0) return el('p', { class: 'muted', text: note });
  return el('table', { 'aria-label': label },
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map(row)));
}

// An endpoint's state: enabled or not (with what it holds), its circuit
// when not closed, and its delivery limits when set.
function endpointState(w) {
  const parts = [el('span', { class: `pill ${w.enabled ? 'enabled' : 'disabled'}`, text: w.enabled ? 'enabled' : 'disabled' })];
  if (w.heldCount > 0) parts.push(el('div', { class: 'muted', text: `${w.heldCount} held until enabled` }));
  if (w.circuit.state !== 'closed') {
    const probe = w.circuit.nextProbeAt ? `; next probe ${formatTime(w.circuit.nextProbeAt)}` : '';
    parts.push(el('div', {}, el('span', { class: 'pill disabled', text: `circuit ${w.circuit.state}` }),
      el('span', { class: 'muted', text: ` since ${formatTime(w.circuit.since)}${probe}` })));
  }
  const limits = [w.maxInFlight !== null ? `≤ ${w.maxInFlight} in flight` : null, w.rateLimit !== null ? `≤ ${w.rateLimit}/s` : null,
    w.ordering === 'fifo' ? 'FIFO' : null].filter(Boolean);
  if (limits.length) parts.push(el('div', { class: 'muted', text: limits.join(', ') }));
  return el('div', {}, ...parts);
}

async function renderWebhooks(main) {
  const res = await api('GET', projectPath('/webhooks?limit=100'));
  const list = el('section', { class: 'card', 'aria-label': 'Webhooks' });
  const editArea = el('div');
  if (res.data.length === 0) list.append(el('p', { class: 'muted', text: 'No webhooks yet. Create one below.' }));
  else {
    const rows = res.data.map((w) => {
      const err = errorBox();
      const ledger = el('div');
      const act = (label, cls, fn) => el('button', { type: 'button', class: cls, text: label, onclick: () => attempt(err, fn) });
      return el('tr', { 'data-webhook': w.id },
        el('td', {}, el('strong', { text: w.name }), el('div', { class: 'mono muted', text: w.id })),
        el('td', { class: 'mono', text: w.destinationUrl }),
        el('td', {}, endpointState(w)),
        el('td', {},
          el('div', { class: 'row' },
            act('Copy ingest URL', 'secondary', () => copy(w.ingestUrl)),
            act('Send test event', 'secondary', async () => {
              const r = await api('POST', projectPath(`/webhooks/${w.id}/test-event`));
              status(`Test event queued as ${r.data.id}.`);
            }),
            act('Edit', 'secondary', async () => {
              editArea.replaceChildren(webhookForm(w, () => render()));
              editArea.querySelector('input').focus();
            }),
            act(w.enabled ? 'Disable' : 'Enable', 'secondary', async () => {
              await api('PATCH', projectPath(`/webhooks/${w.id}`), { enabled: !w.enabled });
              status(`${w.name} ${w.enabled ? 'disabled' : 'enabled'}.`);
              await render();
            }),
            act('Rotate signing secret', 'danger', async () => {
              const r = await api('POST', projectPath(`/webhooks/${w.id}/rotate-signing-secret`), {});
              status(`Signing secret rotated; the previous one stays valid until ${formatTime(r.data.previousRetiredAt)}.`);
              await reveal('New signing secret', r.data.signingSecret);
            }),
            act('Secret versions', 'secondary', async () => {
              const r = await api('GET', projectPath(`/webhooks/${w.id}/secret-versions`));
              ledger.replaceChildren(el('table', { 'aria-label': `Secret versions of ${w.name}` },
                el('thead', {}, el('tr', {}, ['Kind', 'Version', 'Prefix', 'Status', 'Retired at'].map((h) => el('th', { scope: 'col', text: h })))),
                el('tbody', {}, r.data.map((v) => el('tr', {},
                  el('td', { text: v.kind }), el('td', { text: v.version }), el('td', { class: 'mono', text: `${v.prefix}…` }),
                  el('td', {}, el('span', { class: `pill ${v.status}`, text: v.status })), el('td', { text: formatTime(v.retiredAt) }))))));
            }),
            act('Transformation', 'secondary', async () => {
              ledger.replaceChildren(await transformationCard(w));
            }),
            act('Ingest refusals', 'secondary', async () => {
              const r = await api('GET', projectPath(`/webhooks/${w.id}/ingest-refusals`));
              ledger.replaceChildren(tableOrNote(r.data, 'No request was refused lately.', `Ingest refusals of ${w.name}`,
                ['At', 'Status', 'Reason'], (x) => el('tr', {}, el('td', { text: formatTime(x.at) }), el('td', { text: x.status }),
                  el('td', { text: x.reason }))));
            }),
            w.verification ? act('Rotate verification secret', 'danger', async () => {
              const secret = window.prompt('The provider\'s new secret (empty: generate one where the provider allows it)');
              if (secret === null) return;
              const r = await api('POST', projectPath(`/webhooks/${w.id}/rotate-verification-secret`), secret ? { secret } : {});
              status(`Verification secret rotated; the previous one stays valid until ${formatTime(r.data.previousRetiredAt)}.`);
              if (r.data.verificationSecret) await reveal('New verification secret', r.data.verificationSecret);
            }) : null,
            act('Rotate ingest secret', 'danger', async () => {
              const r = await api('POST', projectPath(`/webhooks/${w.id}/rotate-ingest-secret`), {});
              status(`Ingest secret rotated; the previous one stays valid until ${formatTime(r.data.previousRetiredAt)}.`);
              await reveal('New ingest secret', r.data.ingestSecret);
            }),
            act('Delete', 'danger', async () => {
              const sure = await confirmAction({
                title: `Delete the webhook ${w.name}?`,
                message: 'Its secrets, schedules and delivery history are deleted with it, and its ingest URL stops working. This cannot be undone.',
                action: 'Delete webhook',
                typed: w.name,
              });
              if (!sure) return;
              await api('DELETE', projectPath(`/webhooks/${encodeURIComponent(w.id)}`));
              status(`${w.name} deleted.`);
              await render();
            })),
          el('div', { class: 'mono muted', text: w.ingestUrl }),
          w.verification ? el('div', { class: 'muted', text: `verifies ${w.verification.provider}${w.verification.requireIngestSecret ? ' and the ingest secret' : ''}` }) : null,
          w.filter ? el('div', { class: 'mono muted', text: `filter ${JSON.stringify(w.filter)}` }) : null,
          err, ledger));
    });
    list.append(el('table', {},
      el('thead', {}, el('tr', {}, ['Webhook', 'Destination', 'State', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows)));
  }
  main.append(list, editArea, webhookForm(null, () => render()));
}

const STATUSES = ['pending', 'delivering', 'succeeded', 'failed-retrying', 'dead', 'filtered', 'cancelled'];

async function renderDeliveries(main, args) {
  if (args[0]) return renderDelivery(main, args[0]);
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const hooks = await api('GET', projectPath('/webhooks?limit=100'));
  const webhook = el('select', { name: 'webhookId' }, el('option', { value: '', text: 'All webhooks' }),
    hooks.data.map((w) => el('option', { value: w.id, text: w.name, selected: params.get('webhookId') === w.id })));
  const st = el('select', { name: 'status' }, el('option', { value: '', text: 'Any status' }),
    STATUSES.map((s) => el('option', { value: s, text: s, selected: params.get('status') === s })));
  const filters = el('form', { class: 'card filters', 'aria-label': 'Filters' },
    el('div', {}, field('Webhook', webhook)), el('div', {}, field('Status', st)),
    el('button', { type: 'submit', text: 'Apply filters' }),
    el('button', { type: 'button', class: 'secondary', text: 'Refresh', onclick: () => render() }));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (webhook.value) q.set('webhookId', webhook.value);
    if (st.value) q.set('status', st.value);
    location.hash = `#/deliveries?${q}`;
  });
  const q = new URLSearchParams({ limit: '50' });
  for (const k of ['webhookId', 'status', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
  const res = await api('GET', projectPath(`/deliveries?${q}`));
  const names = Object.fromEntries(hooks.data.map((w) => [w.id, w.name]));
  const table = tableOrNote(res.data, 'No deliveries match.', 'Deliveries', ['Delivery', 'Webhook', 'Status', 'Attempts', 'Last result', 'Created'],
      (d) => el('tr', { 'data-delivery': d.id },
        el('td', {}, el('a', { href: `#/deliveries/${d.id}`, class: 'mono', text: d.id })),
        el('td', { text: names[d.webhookId] || d.webhookId }),
        el('td', {}, el('span', { class: `pill ${d.status}`, text: d.status })),
        el('td', { text: d.attemptCount }),
        el('td', { text: d.lastStatusCode || d.lastError || '—' }),
        el('td', { text: formatTime(d.createdAt) })));
  let next = null;
  if (res.nextCursor) {
    const nq = new URLSearchParams(params);
    nq.set('cursor', res.nextCursor);
    next = el('p', {}, el('a', { href: `#/deliveries?${nq}`, text: 'Older deliveries →' }));
  }
  main.append(filters, el('section', { class: 'card' }, table, next));
}

// Replays one delivery (any state, or only a dead letter) and says where the copy is.
async function replayOne(path, id) {
  const r = await api('POST', projectPath(path));
  status(`Replay of ${id} queued as ${r.data.id}.`);
  return r.data;
}

async function renderDelivery(main, id) {
  const res = await api('GET', projectPath(`/deliveries/${encodeURIComponent(id)}`));
  const d = res.data;
  const err = errorBox();
  main.append(el('section', { class: 'card', 'aria-label': 'Delivery' },
    el('p', {}, el('a', { href: '#/deliveries', text: '← All deliveries' })),
    el('h2', { class: 'mono', text: d.id }),
    el('p', {}, 'Status ', el('span', { class: `pill ${d.status}`, text: d.status }),
      ` · ${d.attemptCount} attempt(s) · next attempt ${formatTime(d.nextAttemptAt)}`,
      d.replayOf ? el('span', {}, ' · replay of ', el('a', { href: `#/deliveries/${d.replayOf}`, class: 'mono', text: d.replayOf })) : null),
    el('div', { class: 'row' },
      el('button', { type: 'button', class: 'secondary', text: 'Replay this delivery', onclick: () => attempt(err, async () => {
        const replayed = await replayOne(`/deliveries/${encodeURIComponent(d.id)}/replay`, d.id);
        location.hash = `#/deliveries/${replayed.id}`;
      }) })),
    err,
    el('table', { 'aria-label': 'Attempts' },
      el('thead', {}, el('tr', {}, ['#', 'Started', 'Duration', 'Result', 'Response'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, d.attempts.map((a) => el('tr', {},
        el('td', { text: a.attempt }),
        el('td', { text: formatTime(a.startedAt) }),
        el('td', { text: `${a.durationMs} ms` }),
        el('td', { text: a.statusCode ? `HTTP ${a.statusCode}` : `${a.errorKind}: ${a.errorMessage || ''}` }),
        el('td', {}, el('pre', { text: a.responseExcerpt || '' }))))))),
    d.transformedRequest ? el('section', { class: 'card', 'aria-label': 'Transformed request' },
      el('h2', { text: 'Sent as transformed' }),
      el('p', { class: 'mono muted', text: `${d.transformedRequest.method} ${d.transformedRequest.url} · version ${d.transformedRequest.versionId}` }),
      el('pre', { text: d.transformedRequest.body })) : null,
    simulateCard(d.id));
}

// An endpoint's transformation: its code and switch, saved as a new
// version, and tried on the endpoint's last delivery (nothing is sent).
async function transformationCard(w) {
  const base = `/webhooks/${encodeURIComponent(w.id)}/transformation`;
  const current = (await api('GET', projectPath(base))).data;
  const versions = (await api('GET', projectPath(`${base}/versions`))).data;
  const code = el('textarea', { name: 'code', rows: 8, class: 'mono',
    placeholder: 'function handler(event) {\n  return { body: event.payload, headers: {} };\n}' });
  code.value = current.code || '';
  const enabled = el('input', { type: 'checkbox', name: 'transformationEnabled', id: `tenabled${++fieldSeq}` });
  enabled.checked = current.code ? current.enabled : true;
  const out = el('pre', { 'aria-label': 'Transformation test result' });
  const err = errorBox();
  const form = el('form', { class: 'card', 'aria-label': `Transformation of ${w.name}` },
    el('h3', { text: `Transformation of ${w.name}` }),
    el('p', { class: 'muted', text: current.versionId
      ? `${versions.length} version(s) kept; current ${current.versionId}, ${formatTime(current.updatedAt)}`
      : 'None set yet.' }),
    field('JavaScript (handler(event) returns {body, headers?, method?, url?} or null to cancel)', code),
    el('div', { class: 'check' }, enabled, el('label', { for: enabled.id, text: 'Enabled' })),
    err,
    el('div', { class: 'row' },
      el('button', { type: 'submit', text: 'Save as a new version' }),
      el('button', { type: 'button', class: 'secondary', text: 'Test on the last delivery', onclick: () => attempt(err, async () => {
        const last = await api('GET', projectPath(`/deliveries?webhookId=${encodeURIComponent(w.id)}&limit=1`));
        if (last.data.length === 0) {
          out.textContent = 'No delivery to test on yet: send a test event first.';
          return;
        }
        const r = await api('POST', projectPath('/transformations/simulate'), { code: code.value, deliveryId: last.data[0].id });
        out.textContent = JSON.stringify(r.data, null, 2);
      }, form) })),
    out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      const r = await api('PUT', projectPath(base), { code: code.value, enabled: enabled.checked });
      status(`Transformation of ${w.name} saved as ${r.data.versionId}.`);
    }, form);
  });
  return form;
}

// Runs a transformation on this delivery's event, sending nothing.
function simulateCard(deliveryId) {
  const code = el('textarea', { name: 'transformation', rows: 6, class: 'mono',
    placeholder: 'function handler(event) {\n  return { body: event.payload, headers: {} };\n}' });
  const out = el('pre', { 'aria-label': 'Simulation result' });
  const err = errorBox();
  const form = el('form', { class: 'card', 'aria-label': 'Simulate a transformation' },
    el('h2', { text: 'Simulate a transformation' }),
    field('JavaScript (handler(event) returns {body, headers?, method?, url?} or null)', code),
    err, submitRow('Simulate on this event'), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      const r = await api('POST', projectPath('/transformations/simulate'), { code: code.value, deliveryId });
      out.textContent = JSON.stringify(r.data, null, 2);
    }, form);
  });
  return form;
}

async function renderDeadLetters(main) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const hooks = await api('GET', projectPath('/webhooks?limit=100'));
  const names = Object.fromEntries(hooks.data.map((w) => [w.id, w.name]));
  const webhook = el('select', { name: 'webhookId' }, el('option', { value: '', text: 'All webhooks' }),
    hooks.data.map((w) => el('option', { value: w.id, text: w.name, selected: params.get('webhookId') === w.id })));
  const filters = el('form', { class: 'card filters', 'aria-label': 'Filters' },
    el('div', {}, field('Webhook', webhook)),
    el('button', { type: 'submit', text: 'Apply filter' }),
    el('button', { type: 'button', class: 'secondary', text: 'Refresh', onclick: () => render() }));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = webhook.value ? `#/dlq?${new URLSearchParams({ webhookId: webhook.value })}` : '#/dlq';
  });
  const q = new URLSearchParams({ limit: '50' });
  for (const k of ['webhookId', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
  const res = await api('GET', projectPath(`/dlq?${q}`));
  const bulkErr = errorBox();
  const job = el('div', { 'aria-live': 'polite' });
  const bulk = el('section', { class: 'card', 'aria-label': 'Bulk replay' },
    el('h2', { text: 'Replay the whole queue' }),
    el('p', { class: 'muted', text: params.get('webhookId')
      ? `Every dead letter of ${names[params.get('webhookId')] || params.get('webhookId')}, paced by the server.`
      : 'Every dead letter of this project, paced by the server.' }),
    el('div', { class: 'row' }, el('button', { type: 'button', text: 'Replay all dead letters', disabled: res.data.length === 0,
      onclick: () => attempt(bulkErr, async () => {
        const body = params.get('webhookId') ? { webhookId: params.get('webhookId') } : {};
        const r = await api('POST', projectPath('/dlq/replay'), body);
        await followJob(job, r.data);
      }) })),
    bulkErr, job);
  const table = tableOrNote(res.data, 'The dead-letter queue is empty.', 'Dead letters', ['Delivery', 'Webhook', 'Attempts', 'Last result', 'Created', 'Actions'],
      (d) => {
        const err = errorBox();
        return el('tr', { 'data-delivery': d.id },
          el('td', {}, el('a', { href: `#/deliveries/${d.id}`, class: 'mono', text: d.id })),
          el('td', { text: names[d.webhookId] || d.webhookId }),
          el('td', { text: d.attemptCount }),
          el('td', { text: d.lastStatusCode || d.lastError || '—' }),
          el('td', { text: formatTime(d.createdAt) }),
          el('td', {}, el('div', { class: 'row' },
            el('button', { type: 'button', class: 'secondary', text: 'Replay', onclick: () => attempt(err, async () => {
              await replayOne(`/dlq/${encodeURIComponent(d.id)}/replay`, d.id);
              await render();
            }) }),
            el('button', { type: 'button', class: 'danger', text: 'Discard', onclick: () => attempt(err, async () => {
              await api('DELETE', projectPath(`/dlq/${encodeURIComponent(d.id)}`));
              status(`${d.id} discarded; it stays in the history as discarded.`);
              await render();
            }) })), err));
      });
  let next = null;
  if (res.nextCursor) {
    const nq = new URLSearchParams(params);
    nq.set('cursor', res.nextCursor);
    next = el('p', {}, el('a', { href: `#/dlq?${nq}`, text: 'Older dead letters →' }));
  }
  main.append(filters, bulk, el('section', { class: 'card' }, table, next));
}

// Shows a replay job's progress, polling until it completes or the view changes.
async function followJob(box, job) {
  const bar = el('progress', { max: 100, value: job.progress, 'aria-label': 'Replay progress' });
  const text = el('span');
  box.replaceChildren(el('div', { class: 'row' }, bar, text));
  const hash = location.hash;
  for (;;) {
    bar.value = job.progress;
    text.textContent = `${job.replayed} of ${job.total} replayed (${job.progress}%)`;
    if (job.status === 'completed' || location.hash !== hash) break;
    await new Promise((r) => setTimeout(r, 1000));
    job = (await api('GET', projectPath(`/replay-jobs/${encodeURIComponent(job.id)}`))).data;
  }
  if (job.status === 'completed') status(`Replay job ${job.id} completed: ${job.replayed} replayed.`);
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const SERIES = [
  { key: 'successes', label: 'Successful attempts' },
  { key: 'failures', label: 'Failed attempts' },
  { key: 'events', label: 'Events received' },
];

// A grouped bar chart of the usage buckets, drawn here as SVG: no library,
// nothing inline that the CSP would refuse (colours come from app.css classes).
function usageChart(buckets) {
  const W = 900, H = 300, left = 48, bottom = 28, top = 10;
  const max = Math.max(1, ...buckets.flatMap((b) => SERIES.map((s) => b[s.key])));
  // Four gridlines at a round interval (1, 2 or 5 times a power of ten).
  const raw = Math.max(1, max / 4);
  const power = 10 ** Math.floor(Math.log10(raw));
  const tick = [1, 2, 5, 10].map((m) => m * power).find((t) => t >= raw);
  const ceil = tick * 4;
  const plotH = H - top - bottom;
  const slot = (W - left) / buckets.length;
  const bar = Math.max(1, (slot - 4) / SERIES.length);
  const y = (v) => top + plotH - (v / ceil) * plotH;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart',
    'aria-label': `Usage per day: ${SERIES.map((s) => s.label.toLowerCase()).join(', ')}` });
  for (let i = 0; i <= 4; i++) {
    const v = (ceil / 4) * i;
    chart.append(svg('line', { x1: left, x2: W, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, String(Math.round(v))));
  }
  buckets.forEach((b, i) => {
    const x0 = left + i * slot + 2;
    SERIES.forEach((s, j) => {
      const h = y(0) - y(b[s.key]);
      chart.append(svg('rect', { x: x0 + j * bar, y: y(b[s.key]), width: bar, height: h, class: `bar ${s.key}` },
        svg('title', {}, `${b.start.slice(0, 10)}: ${b[s.key]} ${s.label.toLowerCase()}`)));
    });
    if (i % Math.ceil(buckets.length / 10) === 0) {
      chart.append(svg('text', { x: x0 + slot / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis' }, b.start.slice(5, 10)));
    }
  });
  return chart;
}

async function renderUsage(main) {
  const res = await api('GET', projectPath('/usage?granularity=day'));
  const u = res.data;
  const legend = el('ul', { class: 'legend' }, SERIES.map((s) => el('li', {}, el('span', { class: `swatch ${s.key}` }), s.label)));
  const totals = el('table', { 'aria-label': 'Totals' },
    el('thead', {}, el('tr', {}, ['Events', 'Deliveries', 'Attempts', 'Successes', 'Failures', 'Dead', 'Bytes in', 'Bytes out'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, el('tr', {}, ['events', 'deliveries', 'attempts', 'successes', 'failures', 'dead', 'bytesIn', 'bytesOut'].map((k) => el('td', { text: u.totals[k] })))));
  main.append(el('section', { class: 'card', 'aria-label': 'Usage per day' },
    el('h2', { text: `Per UTC day, ${u.from.slice(0, 10)} to ${u.buckets[u.buckets.length - 1].start.slice(0, 10)}` }),
    usageChart(u.buckets), legend),
  el('section', { class: 'card' }, el('h2', { text: 'Totals over these days' }), totals));
}

async function renderAuditLog(main) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const q = new URLSearchParams({ limit: '50' });
  if (params.get('cursor')) q.set('cursor', params.get('cursor'));
  let res;
  try {
    res = await api('GET', projectPath(`/audit-logs?${q}`));
  } catch (e) {
    if (e.code !== 'tier_required' && e.code !== 'forbidden') throw e;
    main.append(el('section', { class: 'card' }, el('p', { class: 'muted', role: 'note', text: e.message })));
    return;
  }
  const table = tableOrNote(res.data, 'Nothing recorded yet.', 'Audit log', ['When', 'Actor', 'Action', 'Target', 'Details'],
      (a) => el('tr', {},
        el('td', { text: formatTime(a.createdAt) }),
        el('td', {}, el('div', { text: a.actor.label }), el('div', { class: 'muted', text: `${a.actor.type}${a.sourceIp ? ` · ${a.sourceIp}` : ''}` })),
        el('td', { class: 'mono', text: a.action }),
        el('td', {}, el('div', { text: a.target.type }), el('div', { class: 'mono muted', text: a.target.id })),
        el('td', {}, el('pre', { text: JSON.stringify(a.summary, null, 1) }))));
  let next = null;
  if (res.nextCursor) next = el('p', {}, el('a', { href: `#/audit-log?${new URLSearchParams({ cursor: res.nextCursor })}`, text: 'Older entries →' }));
  main.append(el('section', { class: 'card' }, table, next));
}

// One origin per line to a list; empty lines are ignored.
function lines(text) {
  return text.split('\n').map((x) => x.trim()).filter((x) => x !== '');
}

function applicationForm(existing, done) {
  const title = existing ? `Edit ${existing.name}` : 'New application';
  const name = el('input', { name: 'name', required: true, maxlength: 200, value: existing ? existing.name : '' });
  const uid = el('input', { name: 'uid', maxlength: 256, value: existing ? existing.uid || '' : '' });
  const metadata = el('textarea', { name: 'metadata', rows: 3, placeholder: '{"plan": "pro"}' });
  metadata.value = existing && Object.keys(existing.metadata).length ? JSON.stringify(existing.metadata, null, 2) : '';
  const origins = el('textarea', { name: 'portalFrameAncestors', rows: 2, placeholder: 'https://app.example.com' });
  origins.value = existing && existing.portalFrameAncestors ? existing.portalFrameAncestors.join('\n') : '';
  const err = errorBox();
  const form = el('form', { class: 'card', 'aria-label': title },
    el('h2', { text: title }),
    field('Application name', name),
    field('UID: your own id for this customer (optional)', uid),
    field('Metadata: a JSON object (optional)', metadata),
    field('Origins allowed to frame its portal, one per line (empty: any)', origins),
    err,
    submitRow(existing ? 'Save application' : 'Create application', existing && done));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      let meta = {};
      if (metadata.value.trim()) {
        try { meta = JSON.parse(metadata.value); } catch {
          throw Object.assign(new Error('metadata: must be a JSON object, e.g. {"plan": "pro"}'), { field: 'metadata' });
        }
      }
      const frame = lines(origins.value);
      const body = { name: name.value, metadata: meta };
      // Left empty, a new application takes the defaults; an edited one
      // drops its uid and allows any origin again.
      if (uid.value.trim()) body.uid = uid.value.trim();
      else if (existing) body.uid = null;
      if (frame.length) body.portalFrameAncestors = frame;
      else if (existing) body.portalFrameAncestors = null;
      if (existing) {
        await api('PATCH', projectPath(`/applications/${encodeURIComponent(existing.id)}`), body);
        status(`Saved ${body.name}.`);
      } else {
        const r = await api('POST', projectPath('/applications'), body);
        status(`Created ${r.data.name}.`);
      }
      done();
    }, form);
  });
  return form;
}

async function renderApplications(main) {
  const res = await api('GET', projectPath('/applications?limit=100'));
  const editArea = el('div');
  const table = tableOrNote(res.data, 'No applications yet. Create one below.', 'Applications', ['Application', 'UID', 'Created', 'Portal'],
      (a) => {
        const err = errorBox();
        const scope = el('select', { name: 'scopes' }, el('option', { value: 'read,write', text: 'read and write' }),
          el('option', { value: 'read', text: 'read only' }));
        const minutes = el('input', { name: 'expiresInMinutes', type: 'number', min: 1, max: 1440, value: 60, required: true });
        const form = el('form', { 'aria-label': `Portal link for ${a.name}` },
          field('Access', scope), field('Valid for (minutes, 1 to 1440)', minutes), err,
          el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Create portal link' })));
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          attempt(err, async () => {
            const r = await api('POST', projectPath(`/applications/${encodeURIComponent(a.id)}/portal/magic-link`),
              { scopes: scope.value.split(','), expiresInMinutes: Number(minutes.value) });
            status(`Portal link for ${a.name} created; it works until ${formatTime(r.data.expiresAt)}.`);
            await reveal(`Portal link for ${a.name}`, r.data.url);
          }, form);
        });
        const edit = el('button', { type: 'button', class: 'secondary', text: 'Edit', onclick: () => {
          editArea.replaceChildren(applicationForm(a, () => render()));
          editArea.querySelector('input').focus();
        } });
        return el('tr', { 'data-application': a.id },
          el('td', {}, el('strong', { text: a.name }), el('div', { class: 'mono muted', text: a.id }), el('div', { class: 'row' }, edit)),
          el('td', { class: 'mono', text: a.uid || '—' }),
          el('td', { text: formatTime(a.createdAt) }),
          el('td', {}, form));
      });
  main.append(el('section', { class: 'card' }, table), editArea, applicationForm(null, () => render()));
}

async function renderSchedules(main, args) {
  const hooks = await api('GET', projectPath('/webhooks?limit=100'));
  if (hooks.data.length === 0) {
    main.append(el('p', { class: 'muted', text: 'Create a webhook first; schedules fire events into one.' }));
    return;
  }
  const webhookId = args[0] && hooks.data.some((w) => w.id === args[0]) ? args[0] : hooks.data[0].id;
  const picker = el('select', { name: 'webhook' }, hooks.data.map((w) => {
    const o = el('option', { value: w.id, text: w.name });
    if (w.id === webhookId) o.selected = true;
    return o;
  }));
  picker.addEventListener('change', () => { location.hash = `#/schedules/${encodeURIComponent(picker.value)}`; });
  const base = projectPath(`/webhooks/${encodeURIComponent(webhookId)}/schedules`);
  const res = await api('GET', `${base}?limit=100`);
  const err = errorBox();
  const row = (s) => {
    const buttons = [];
    const act = (label, method, path) => {
      const b = el('button', { type: 'button', text: label });
      b.addEventListener('click', () => attempt(err, async () => {
        if (method === 'DELETE' && !confirm(`Delete schedule ${s.name || s.id}?`)) return;
        await api(method, `${base}/${encodeURIComponent(s.id)}${path}`);
        status(`Schedule ${s.name || s.id}: ${label.toLowerCase()} done.`);
        await render();
      }));
      buttons.push(b);
    };
    if (s.status === 'active') act('Pause', 'POST', '/pause');
    if (s.status === 'paused') act('Resume', 'POST', '/resume');
    act('Delete', 'DELETE', '');
    return el('tr', { 'data-schedule': s.id },
      el('td', {}, el('strong', { text: s.name || '—' }), el('div', { class: 'mono muted', text: s.id })),
      el('td', { class: 'mono', text: s.cron ? `${s.cron} (${s.timeZone})` : `once at ${formatTime(s.runAt)}` }),
      el('td', { text: s.status }),
      el('td', { text: s.nextRunAt ? formatTime(s.nextRunAt) : '—' }),
      el('td', {}, el('div', { class: 'row' }, buttons)));
  };
  const table = tableOrNote(res.data, 'No schedules for this webhook yet.', 'Schedules', ['Schedule', 'When', 'Status', 'Next run', ''],
      row);
  const name = el('input', { name: 'name', maxlength: 200 });
  const cron = el('input', { name: 'cron', placeholder: '0 9 * * 1-5' });
  const timeZone = el('input', { name: 'timeZone', value: 'UTC' });
  const runAt = el('input', { name: 'runAt', type: 'datetime-local' });
  const payload = el('textarea', { name: 'payload', rows: 4, required: true, placeholder: '{"kind": "report"}' });
  const contentType = el('input', { name: 'contentType', value: 'application/json', required: true });
  const headers = el('textarea', { name: 'headers', rows: 2, placeholder: 'X-Run: nightly' });
  const formErr = errorBox();
  const form = el('form', { 'aria-label': 'New schedule' },
    field('Name', name), field('Cron (leave empty to run once)', cron), field('Time zone (IANA)', timeZone),
    field('Run once at (local time)', runAt), field('Payload', payload), field('Content type', contentType),
    field('Headers (one "Name: value" per line)', headers), formErr,
    el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Create schedule' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(formErr, async () => {
      let body = payload.value;
      if (contentType.value.trim() === 'application/json') {
        try { body = JSON.parse(payload.value); } catch { /* sent as typed; the server checks it */ }
      }
      const req = { name: name.value, payload: body, contentType: contentType.value, headers: parseHeaders(headers.value) };
      if (cron.value.trim()) Object.assign(req, { cron: cron.value.trim(), timeZone: timeZone.value.trim() || 'UTC' });
      else if (runAt.value) req.runAt = new Date(runAt.value).toISOString();
      await api('POST', base, req);
      status('Schedule created.');
      await render();
    }, form);
  });
  main.append(el('section', { class: 'card' }, field('Webhook', picker), err, table),
    el('section', { class: 'card' }, el('h2', { text: 'New schedule' }), form));
}

async function renderNotifications(main) {
  let res;
  try {
    res = await api('GET', projectPath('/notification-channels?limit=100'));
  } catch (e) {
    if (e.code !== 'tier_required') throw e;
    main.append(el('section', { class: 'card' }, el('p', { class: 'muted', role: 'note', text: e.message })));
    return;
  }
  const intro = el('p', { class: 'muted', text: 'Hookrelay posts here when a webhook is disabled automatically, when deliveries '
    + 'are dead-lettered, when the monthly quota nears its end and when a secret overlap is about to end; signed like deliveries.' });
  const table = tableOrNote(res.data, 'No notification channels yet.', 'Notification channels', ['Channel', 'Signing secret', 'Created', 'Actions'],
      (c) => {
        const err = errorBox();
        return el('tr', { 'data-channel': c.id },
          el('td', {}, el('div', { class: 'mono', text: c.url }), c.description ? el('div', { text: c.description }) : null,
            el('div', { class: 'mono muted', text: c.id })),
          el('td', { class: 'mono', text: `${c.signingSecretPrefix}…` }),
          el('td', { text: formatTime(c.createdAt) }),
          el('td', {}, el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: () => attempt(err, async () => {
            const sure = await confirmAction({ title: `Delete the channel ${c.url}?`,
              message: 'Notifications it has not sent yet are dropped with it.', action: 'Delete channel' });
            if (!sure) return;
            await api('DELETE', projectPath(`/notification-channels/${encodeURIComponent(c.id)}`));
            status('Notification channel deleted.');
            await render();
          }) }), err));
      });
  const url = el('input', { name: 'url', type: 'url', required: true, placeholder: 'https://ops.example.com/hookrelay' });
  const description = el('input', { name: 'description', maxlength: 2000 });
  const err = errorBox();
  const form = el('form', { class: 'card', 'aria-label': 'New notification channel' }, el('h2', { text: 'New notification channel' }),
    field('Channel URL', url), field('Description (optional)', description), err,
    el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Create channel' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      const r = await api('POST', projectPath('/notification-channels'), { url: url.value, description: description.value });
      status('Notification channel created.');
      await reveal('Signing secret of the channel (verify notifications with it)', r.data.signingSecret);
      await render();
    }, form);
  });
  main.append(el('section', { class: 'card' }, intro, table), form);
}

async function renderKeys(main) {
  const res = await api('GET', projectPath('/api-keys?limit=100'));
  const rows = res.data.map((k) => {
    const err = errorBox();
    const active = k.status === 'active';
    return el('tr', {},
      el('td', {}, el('strong', { text: k.name }), el('div', { class: 'mono muted', text: `${k.prefix}…` })),
      el('td', { text: k.role }),
      el('td', {}, el('span', { class: `pill ${k.status}`, text: k.status })),
      el('td', { text: formatTime(k.createdAt) }),
      el('td', {}, active ? el('div', { class: 'row' },
        el('button', { type: 'button', class: 'secondary', text: 'Rotate', onclick: () => attempt(err, async () => {
          const r = await api('POST', projectPath(`/api-keys/${k.id}/rotate`));
          await reveal(`New secret of ${k.name}`, r.data.secret);
          await render();
        }) }),
        el('button', { type: 'button', class: 'danger', text: 'Revoke', onclick: () => attempt(err, async () => {
          await api('POST', projectPath(`/api-keys/${k.id}/revoke`));
          status(`${k.name} revoked.`);
          await render();
        }) })) : null, err));
  });
  const name = el('input', { name: 'name', required: true, maxlength: 200 });
  const role = el('select', { name: 'role' }, el('option', { value: 'write', text: 'write: webhooks and deliveries' }),
    el('option', { value: 'admin', text: 'admin: also project settings and keys' }));
  const err = errorBox();
  const form = el('form', { class: 'card', 'aria-label': 'New API key' }, el('h2', { text: 'New API key' }),
    field('Name', name), field('Role', role), err, el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Create key' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      const r = await api('POST', projectPath('/api-keys'), { name: name.value, role: role.value });
      await reveal(`Secret of ${r.data.name}`, r.data.secret);
      await render();
    }, form);
  });
  main.append(el('section', { class: 'card' }, el('table', { 'aria-label': 'API keys' },
    el('thead', {}, el('tr', {}, ['Key', 'Role', 'Status', 'Created', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows))), form);
}

registerView('webhooks', 'Webhooks', renderWebhooks);
registerView('deliveries', 'Deliveries', renderDeliveries);
registerView('dlq', 'Dead letters', renderDeadLetters);
registerView('schedules', 'Schedules', renderSchedules);
registerView('usage', 'Usage', renderUsage);
registerView('applications', 'Applications', renderApplications);
registerView('notifications', 'Notifications', renderNotifications, { adminOnly: true });
registerView('audit-log', 'Audit log', renderAuditLog, { adminOnly: true });
registerView('api-keys', 'API keys', renderKeys, { adminOnly: true });

// ---- signing in and out -----------------------------------------------------

function showLogin(message) {
  document.getElementById('topbar').hidden = true;
  const email = el('input', { name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = errorBox();
  if (message) err.textContent = message;
  const form = el('form', { class: 'card login', 'aria-label': 'Sign in' }, el('h1', { text: 'Sign in to Hookrelay' }),
    field('Email', email), field('Password', password), err, el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Sign in' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      const res = await api('POST', '/login', { email: email.value, password: password.value });
      start(res.data);
    });
  });
  document.getElementById('main').replaceChildren(form);
  email.focus();
}

function showSetup(token) {
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const err = errorBox();
  const form = el('form', { class: 'card login', 'aria-label': 'Choose a password' }, el('h1', { text: 'Choose your password' }),
    field('New password (at least 12 characters)', password), err,
    el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Set password' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    attempt(err, async () => {
      await api('POST', '/setup-password', { token, password: password.value });
      history.replaceState(null, '', '/dashboard');
      showLogin();
      status('Password set. Sign in with it now.');
    }, form);
  });
  document.getElementById('main').replaceChildren(form);
  password.focus();
}

function start(session) {
  state.session = session;
  const saved = sessionStorage.getItem('project');
  const ids = session.projects.map((p) => p.id);
  state.project = ids.includes(saved) ? saved : ids[0];
  document.getElementById('topbar').hidden = false;
  document.getElementById('who').textContent = session.email;
  const select = document.getElementById('project');
  select.replaceChildren(...session.projects.map((p) => el('option', { value: p.id, text: `${p.name} (${p.role})`, selected: p.id === state.project })));
  buildNav();
  if (!state.project) {
    document.getElementById('main').replaceChildren(el('p', { text: 'You are not a member of any project yet.' }));
    return;
  }
  render();
}

async function signOut(path) {
  try {
    await api('POST', path);
  } finally {
    state.session = null;
    showLogin();
    status('Signed out.');
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('reveal-copy').addEventListener('click', () => copy(document.getElementById('reveal-value').value));
  document.getElementById('reveal-close').addEventListener('click', () => document.getElementById('reveal').close());
  wireConfirmDialog();
  document.getElementById('logout').addEventListener('click', () => signOut('/logout'));
  document.getElementById('logout-all').addEventListener('click', () => signOut('/logout-all'));
  document.getElementById('project').addEventListener('change', (ev) => {
    state.project = ev.target.value;
    sessionStorage.setItem('project', state.project);
    buildNav();
    render();
  });
  window.addEventListener('hashchange', () => { if (state.session) render(); });
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.pathname.endsWith('/setup') && token) return showSetup(token);
  try {
    const res = await api('GET', '/session');
    start(res.data);
  } catch {
    showLogin();
  }
});
