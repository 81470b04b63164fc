import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { Endpoint } from "./client.js";
import { EndpointFilter } from "./EndpointFilter.js";
import { EndpointTransformation } from "./EndpointTransformation.js";
import { usePortal } from "./portal.js";

/**
 * The application's endpoints, each with its filter and transformation on
 * demand; with a write token, add, enable/disable and delete.
 */
export function EndpointList() {
  const { client, canWrite } = usePortal();
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = useCallback(() => client.listEndpoints().then((p) => setEndpoints(p.data)), [client]);
  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      setError(null);
      try {
        await action();
        await load();
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [load],
  );
  useEffect(() => {
    load().catch((e: Error) => setError(e.message));
  }, [load]);

  const add = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const data = new FormData(form);
    run(async () => {
      const created = await client.createEndpoint({
        name: String(data.get("endpointName") ?? ""),
        destinationUrl: String(data.get("destinationUrl") ?? ""),
      });
      setSecret(created.signingSecret ?? null);
      form.reset();
    });
  };

  return (
    <section className="hookrelay-endpoints" aria-label="Endpoints">
      <h2>Endpoints</h2>
      {error && <p role="alert">{error}</p>}
      {canWrite && (
        <form onSubmit={add} aria-label="Add endpoint">
          <input name="endpointName" placeholder="Name" aria-label="Endpoint name" required />
          <input name="destinationUrl" type="url" placeholder="https://example.com/webhooks" aria-label="Endpoint URL" required />
          <button type="submit">Add endpoint</button>
        </form>
      )}
      {secret && <p className="hookrelay-secret">Signing secret: {secret}</p>}
      {endpoints === null ? (
        !error && <p>Loading…</p>
      ) : endpoints.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        <ul>
          {endpoints.map((e) => (
            <li key={e.id} data-endpoint-id={e.id}>
              <strong>{e.name}</strong> <span>{e.destinationUrl}</span> <span>{e.enabled ? "enabled" : "disabled"}</span>{" "}
              <span>{e.eventTypes ? e.eventTypes.join(", ") : "all events"}</span>
              {e.filter && <span> (filtered)</span>}{" "}
              <button type="button" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                Filter & transformation
              </button>
              {canWrite && (
                <>
                  {" "}
                  <button type="button" onClick={() => run(() => client.updateEndpoint(e.id, { enabled: !e.enabled }))}>
                    {e.enabled ? "Disable" : "Enable"}
                  </button>
                  <button type="button" onClick={() => run(() => client.deleteEndpoint(e.id))}>
                    Delete
                  </button>
                </>
              )}
              {open === e.id && (
                <>
                  <EndpointFilter endpointId={e.id} />
                  <EndpointTransformation endpointId={e.id} />
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
