// A typed client of the Hookrelay Portal API (`/portal-api/v1`), authorized
// by one application's portal token (`whpt_...`).

export type Scope = "read" | "write";

export interface Session {
  applicationId: string;
  applicationName: string;
  scopes: Scope[];
}

export interface Endpoint {
  id: string;
  name: string;
  description: string;
  destinationUrl: string;
  enabled: boolean;
  eventTypes: string[] | null;
  applicationId: string;
  timeoutSeconds: number;
  createdAt: string;
  updatedAt: string;
  /** Which messages it is sent; null: all. */
  filter: Filter | null;
  /** Only in the answer to create. */
  signingSecret?: string;
}

export interface NewEndpoint {
  name: string;
  destinationUrl: string;
  description?: string;
  enabled?: boolean;
  /** Omit to receive every event type. */
  eventTypes?: string[];
  /** Omit (or null) to receive every message of those types. */
  filter?: Filter | null;
}

/**
 * A filter over a message's JSON payload and headers, e.g.
 * `{"and": [{"path": "type", "in": ["invoice.paid"]}, {"path": "data.amount", "gte": 100}]}`.
 * The server checks it (a `400` naming the wrong part); see Hookrelay's
 * README for the operators.
 */
export type Filter = { [key: string]: unknown };

export interface FilterTest {
  filter: Filter;
  /** A sample message payload. */
  payload: { [key: string]: unknown };
  /** Sample request headers, for conditions on headers. */
  headers?: Record<string, string>;
}

export interface FilterResult {
  /** True: such a message is sent; false: it is recorded `filtered`. */
  matches: boolean;
}

/** An endpoint's transformation now. */
export interface Transformation {
  /** The current version's JavaScript; null if none was ever set. */
  code: string | null;
  /** Whether deliveries run it. */
  enabled: boolean;
  versionId: string | null;
  updatedAt: string | null;
}

export interface SetTransformation {
  /** JavaScript defining `handler(event)`; omit to keep the current version's. */
  code?: string;
  /** Default true. */
  enabled?: boolean;
}

/** One kept version of an endpoint's transformation. */
export interface TransformationVersion {
  id: string;
  createdAt: string;
  enabled: boolean;
  code: string;
  /** SHA-256 of `code`, hex. */
  codeSha256: string;
  /** Who set it: `api_key`, `user` or `portal`. */
  actorType: string;
  actorLabel: string;
}

export interface SimulatedRequest {
  /** The body that would be sent: a string returned as is, anything else as JSON. */
  body: string;
  /** The endpoint's and the message's headers with the script's over them (signature headers are added when sent). */
  headers: Record<string, string>;
  method: string;
  url: string;
}

export interface Simulation {
  /** `send`, `cancelled` (the script returned null) or `failed`. */
  outcome: "send" | "cancelled" | "failed";
  request: SimulatedRequest | null;
  /** `kind` is `transformation_timeout`, `transformation_memory` or `transformation_error`. */
  error: { kind: string; message: string } | null;
}

export type DeliveryStatus = "pending" | "delivering" | "succeeded" | "failed-retrying" | "dead" | "discarded" | "filtered" | "cancelled";

export interface LogEntry {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string | null;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Attempt {
  id: string;
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  errorKind: string | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
}

export interface EventType {
  name: string;
  description: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
  hasMore: boolean;
}

export interface LogFilter {
  endpointId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  cursor?: string;
  limit?: number;
}

/** An error answer of the Portal API: `{"error": {"code", "message", "field"?}}`. */
export class PortalApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "PortalApiError";
  }
}

export interface ClientOptions {
  /**
   * Where Hookrelay serves, e.g. `https://hooks.example.com`. Required
   * unless the page itself is served from Hookrelay's origin: by default
   * requests go to the page's own origin.
   */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** A request that takes longer fails (default 15000 ms). */
  timeoutMs?: number;
}

/** Where a request went, for messages: the base URL, or the page's origin. */
function describe(base: string): string {
  return base.startsWith("/") ? `${base} on this page's origin (no baseUrl given)` : base;
}

export class PortalClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    private readonly token: string,
    options: ClientOptions = {},
  ) {
    this.base = (options.baseUrl ?? "").replace(/\/+$/, "") + "/portal-api/v1";
    this.fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 15000;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const hint = "Set baseUrl to the address Hookrelay serves at.";
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A timer rather than an AbortSignal: signals from a DOM shim (jsdom)
    // are refused by Node's fetch.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PortalApiError(0, "timeout", `The Hookrelay Portal API at ${describe(this.base)} did not answer within ${this.timeoutMs} ms. ${hint}`)),
        this.timeoutMs,
      );
    });
    let res: Response;
    try {
      res = await Promise.race([
        this.fetcher(this.base + path, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: "omit",
          referrerPolicy: "no-referrer",
        }),
        timeout,
      ]);
    } catch (e) {
      if (e instanceof PortalApiError) throw e;
      throw new PortalApiError(0, "unreachable", `Cannot reach the Hookrelay Portal API at ${describe(this.base)} (${(e as Error).message}). ${hint}`);
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 204) return undefined as T;
    const json = await res.json().catch(() => null);
    if (json === null || typeof json !== "object") {
      // An HTML page or an empty answer: something else is serving there.
      throw new PortalApiError(res.status, "not_portal_api", `${describe(this.base)} did not answer as the Hookrelay Portal API (HTTP ${res.status}). ${hint}`);
    }
    if (!res.ok) {
      const e = json.error ?? {};
      throw new PortalApiError(res.status, e.code ?? "error", e.message ?? `request failed (${res.status})`, e.field);
    }
    return json as T;
  }

  async session(): Promise<Session> {
    return (await this.call<{ data: Session }>("GET", "/session")).data;
  }
  listEndpoints(limit = 100): Promise<Page<Endpoint>> {
    return this.call("GET", `/endpoints?limit=${limit}`);
  }
  async createEndpoint(e: NewEndpoint): Promise<Endpoint> {
    return (await this.call<{ data: Endpoint }>("POST", "/endpoints", e)).data;
  }
  async getEndpoint(id: string): Promise<Endpoint> {
    return (await this.call<{ data: Endpoint }>("GET", `/endpoints/${encodeURIComponent(id)}`)).data;
  }
  async updateEndpoint(id: string, patch: Partial<NewEndpoint>): Promise<Endpoint> {
    return (await this.call<{ data: Endpoint }>("PATCH", `/endpoints/${encodeURIComponent(id)}`, patch)).data;
  }
  deleteEndpoint(id: string): Promise<void> {
    return this.call("DELETE", `/endpoints/${encodeURIComponent(id)}`);
  }
  /** Sets (or, with null, removes) which messages an endpoint is sent. */
  setFilter(id: string, filter: Filter | null): Promise<Endpoint> {
    return this.updateEndpoint(id, { filter });
  }
  /** Runs a filter on a sample message; nothing is stored. */
  async testFilter(test: FilterTest): Promise<FilterResult> {
    return (await this.call<{ data: FilterResult }>("POST", "/filters/test", test)).data;
  }
  async transformation(endpointId: string): Promise<Transformation> {
    return (await this.call<{ data: Transformation }>("GET", `/endpoints/${encodeURIComponent(endpointId)}/transformation`)).data;
  }
  /** Every change is kept as a new version. */
  async setTransformation(endpointId: string, t: SetTransformation): Promise<Transformation> {
    return (await this.call<{ data: Transformation }>("PUT", `/endpoints/${encodeURIComponent(endpointId)}/transformation`, t)).data;
  }
  /** Newest first. */
  async transformationVersions(endpointId: string): Promise<TransformationVersion[]> {
    return (await this.call<{ data: TransformationVersion[] }>("GET", `/endpoints/${encodeURIComponent(endpointId)}/transformation/versions`)).data;
  }
  /** What `code` would make of one of the application's deliveries; nothing is sent or stored. */
  async simulateTransformation(code: string, deliveryId: string): Promise<Simulation> {
    return (await this.call<{ data: Simulation }>("POST", "/transformations/simulate", { code, deliveryId })).data;
  }
  async eventTypes(): Promise<EventType[]> {
    return (await this.call<Page<EventType>>("GET", "/event-types?limit=100")).data;
  }
  listLog(filter: LogFilter = {}): Promise<Page<LogEntry>> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== "") q.set(k, String(v));
    return this.call("GET", `/deliveries?${q}`);
  }
  async attempts(deliveryId: string): Promise<Attempt[]> {
    return (await this.call<{ data: { attempts: Attempt[] } }>("GET", `/deliveries/${encodeURIComponent(deliveryId)}`)).data.attempts;
  }
  async replay(deliveryId: string): Promise<LogEntry> {
    return (await this.call<{ data: LogEntry }>("POST", `/deliveries/${encodeURIComponent(deliveryId)}/replay`)).data;
  }
}
