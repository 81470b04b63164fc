import { useCallback, useEffect, useState } from "react";
import type { Attempt, DeliveryStatus, LogEntry } from "./client.js";
import { usePortal } from "./portal.js";

const STATUSES: DeliveryStatus[] = ["succeeded", "failed-retrying", "dead", "pending", "delivering", "filtered", "cancelled", "discarded"];

/** Deliveries to the application's endpoints, newest first, with attempts; replay with a write token. */
export function MessageLog({ pageSize = 25 }: { pageSize?: number }) {
  const { client, canWrite } = usePortal();
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [entries, setEntries] = useState<LogEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<{ id: string; attempts: Attempt[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (after?: string) => {
      setError(null);
      try {
        const page = await client.listLog({ status: status || undefined, limit: pageSize, cursor: after });
        setEntries((prev) => (after && prev ? [...prev, ...page.data] : page.data));
        setCursor(page.nextCursor);
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [client, status, pageSize],
  );
  useEffect(() => {
    load();
  }, [load]);

  const showAttempts = async (id: string) => {
    try {
      setOpen({ id, attempts: await client.attempts(id) });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const replay = async (id: string) => {
    try {
      await client.replay(id);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="hookrelay-log" aria-label="Message log">
      <h2>Message log</h2>
      {error && <p role="alert">{error}</p>}
      <label>
        Status{" "}
        <select value={status} onChange={(e) => setStatus(e.target.value as DeliveryStatus | "")}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>{" "}
      <button type="button" onClick={() => load()}>
        Refresh
      </button>
      {entries === null ? (
        !error && <p>Loading…</p>
      ) : entries.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <ul>
          {entries.map((d) => (
            <li key={d.id} data-delivery-id={d.id}>
              <span>{new Date(d.createdAt).toLocaleString()}</span> <strong>{d.eventType ?? "message"}</strong>{" "}
              <span className={`status-${d.status}`}>{d.status}</span> <span>{d.attemptCount} attempt(s)</span>{" "}
              <button type="button" onClick={() => showAttempts(d.id)}>
                Attempts
              </button>
              {canWrite && (
                <button type="button" onClick={() => replay(d.id)}>
                  Replay
                </button>
              )}
              {open?.id === d.id && (
                <ol>
                  {open.attempts.map((a) => (
                    <li key={a.id}>
                      {a.statusCode ? `HTTP ${a.statusCode}` : a.errorKind} ({a.durationMs} ms)
                    </li>
                  ))}
                </ol>
              )}
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" onClick={() => load(cursor)}>
          Older messages
        </button>
      )}
    </section>
  );
}
