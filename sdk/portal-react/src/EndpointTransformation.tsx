import { useCallback, useEffect, useId, useState } from "react";
import type { LogEntry, Simulation, Transformation, TransformationVersion } from "./client.js";
import { problem, type Problem } from "./problem.js";
import { usePortal } from "./portal.js";

const EXAMPLE = `function handler(event) {
  // event: {payload, headers, method, url, eventType}; return null to cancel
  return { body: event.payload, headers: { "x-event-type": event.eventType } };
}`;

/** What a simulation came to: the request that would be sent, a cancel, or the failure's kind. */
function SimulationResult({ simulation }: { simulation: Simulation }) {
  const { request, error } = simulation;
  return (
    <div role="status" aria-label="Simulation" className={`hookrelay-simulation outcome-${simulation.outcome}`}>
      {request ? (
        <>
          <p>
            Would send: <code>{request.method}</code> <code>{request.url}</code>
          </p>
          <pre aria-label="Headers">{Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`).join("\n")}</pre>
          <pre aria-label="Body">{request.body}</pre>
        </>
      ) : error ? (
        <p>
          Failed: <code data-kind={error.kind}>{error.kind}</code> {error.message}
        </p>
      ) : (
        <p>Cancelled: the script returns null, so this message would not be sent.</p>
      )}
    </div>
  );
}

/**
 * An endpoint's transformation: the code and whether it runs, saved (with a
 * write token) as a new version; tried on one of the endpoint's deliveries
 * without sending anything; and the kept versions.
 */
export function EndpointTransformation({ endpointId }: { endpointId: string }) {
  const { client, canWrite } = usePortal();
  const [current, setCurrent] = useState<Transformation | null>(null);
  const [code, setCode] = useState("");
  const [enabled, setEnabled] = useState(true);
  const [versions, setVersions] = useState<TransformationVersion[]>([]);
  const [deliveries, setDeliveries] = useState<LogEntry[]>([]);
  const [deliveryId, setDeliveryId] = useState("");
  const [simulation, setSimulation] = useState<Simulation | null>(null);
  const [error, setError] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const errorId = useId();

  const loadVersions = useCallback(() => client.transformationVersions(endpointId).then(setVersions), [client, endpointId]);
  useEffect(() => {
    let live = true;
    Promise.all([client.transformation(endpointId), loadVersions(), client.listLog({ endpointId, limit: 20 })]).then(
      ([t, , log]) => {
        if (!live) return;
        setCurrent(t);
        setCode(t.code ?? "");
        setEnabled(t.code === null || t.enabled);
        setDeliveries(log.data);
        setDeliveryId(log.data[0]?.id ?? "");
      },
      (e) => live && setError(problem(e)),
    );
    return () => {
      live = false;
    };
  }, [client, endpointId, loadVersions]);

  const run = async (action: () => Promise<void>) => {
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (e) {
      setError(problem(e));
    }
  };
  const save = () =>
    run(async () => {
      const t = await client.setTransformation(endpointId, { code, enabled });
      setCurrent(t);
      setNotice(`Saved as version ${t.versionId}.`);
      await loadVersions();
    });
  const test = () =>
    run(async () => {
      setSimulation(null);
      setSimulation(await client.simulateTransformation(code, deliveryId));
    });

  const codeRefused = error?.field === "code";
  return (
    <section className="hookrelay-transformation" aria-label="Transformation">
      <h3>Transformation</h3>
      <p>JavaScript that reshapes each message before it is signed and sent, or cancels it.</p>
      {error && (
        <p role="alert" id={errorId} data-field={error.field}>
          {error.message}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {current === null ? (
        !error && <p>Loading…</p>
      ) : (
        <>
          <label>
            Code{" "}
            <textarea
              value={code}
              onChange={(e) => setCode(e.target.value)}
              readOnly={!canWrite}
              rows={10}
              spellCheck={false}
              placeholder={EXAMPLE}
              aria-invalid={codeRefused || undefined}
              aria-describedby={codeRefused ? errorId : undefined}
            />
          </label>
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} disabled={!canWrite} /> Enabled
          </label>
          {canWrite && (
            <button type="button" onClick={save}>
              Save as new version
            </button>
          )}
          {deliveries.length === 0 ? (
            <p>No message to this endpoint yet to test on.</p>
          ) : (
            <>
              <label>
                Delivery to test on{" "}
                <select value={deliveryId} onChange={(e) => setDeliveryId(e.target.value)}>
                  {deliveries.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.eventType ?? "message"} · {new Date(d.createdAt).toLocaleString()} · {d.status}
                    </option>
                  ))}
                </select>
              </label>{" "}
              <button type="button" onClick={test}>
                Test on this delivery
              </button>
            </>
          )}
          {simulation && <SimulationResult simulation={simulation} />}
          <h4>Versions</h4>
          {versions.length === 0 ? (
            <p>No version yet.</p>
          ) : (
            <ol aria-label="Versions">
              {versions.map((v) => (
                <li key={v.id} data-version-id={v.id}>
                  <span>{new Date(v.createdAt).toLocaleString()}</span> <span>{v.enabled ? "enabled" : "disabled"}</span>{" "}
                  <code title={v.codeSha256}>{v.codeSha256.slice(0, 12)}</code>{" "}
                  <span>
                    by {v.actorType} {v.actorLabel}
                  </span>
                  {v.id === current.versionId && <strong> (current)</strong>}{" "}
                  <button
                    type="button"
                    onClick={() => {
                      setCode(v.code);
                      setEnabled(v.enabled);
                    }}
                  >
                    Load this version
                  </button>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
