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
}

export type DeliveryStatus = "pending" | "delivering" | "succeeded" | "failed-retrying" | "dead";

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
  async updateEndpoint(id: string, patch: Partial<NewEndpoint>): Promise<Endpoint> {
    return (await this.call<{ data: Endpoint }>("PATCH", `/endpoints/${encodeURIComponent(id)}`, patch)).data;
  }
  deleteEndpoint(id: string): Promise<void> {
    return this.call("DELETE", `/endpoints/${encodeURIComponent(id)}`);
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
