import { useCallback, useEffect, useId, useState } from "react";
import type { Filter } from "./client.js";
import { parseJson, problem, type Problem } from "./problem.js";
import { usePortal } from "./portal.js";

const pretty = (filter: Filter | null) => (filter ? JSON.stringify(filter, null, 2) : "");

/**
 * An endpoint's filter as JSON: with a write token, save or clear it; with
 * any token, try the text on a sample payload before saving.
 */
export function EndpointFilter({ endpointId }: { endpointId: string }) {
  const { client, canWrite } = usePortal();
  const [text, setText] = useState<string | null>(null);
  const [sample, setSample] = useState("{}");
  const [error, setError] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const errorId = useId();

  const load = useCallback(() => client.getEndpoint(endpointId).then((e) => setText(pretty(e.filter))), [client, endpointId]);
  useEffect(() => {
    load().catch((e) => setError(problem(e)));
  }, [load]);

  const run = async (action: () => Promise<string>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
    } catch (e) {
      setError(problem(e));
    }
  };
  // The filter is read inside `run`, so text that is not JSON is reported like the server's refusals.
  const save = (filter: () => Filter | null) =>
    run(async () => {
      const e = await client.setFilter(endpointId, filter());
      setText(pretty(e.filter));
      return e.filter ? "Filter saved: only matching messages are sent." : "Filter cleared: every message is sent.";
    });
  const filterText = text ?? "";
  const parsedFilter = () => (filterText.trim() === "" ? null : (parseJson(filterText, "The filter") as Filter));

  return (
    <section className="hookrelay-filter" aria-label="Filter">
      <h3>Filter</h3>
      <p>Only messages that match are sent; the others are recorded as filtered. Empty: every message.</p>
      {error && (
        <p role="alert" id={errorId} data-field={error.field}>
          {error.message}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {text === null ? (
        !error && <p>Loading…</p>
      ) : (
        <>
          <label>
            Filter (JSON){" "}
            <textarea
              value={filterText}
              onChange={(e) => setText(e.target.value)}
              readOnly={!canWrite}
              rows={6}
              spellCheck={false}
              placeholder='{"path": "data.amount", "gte": 100}'
              aria-invalid={error?.field === "filter" || undefined}
              aria-describedby={error?.field === "filter" ? errorId : undefined}
            />
          </label>
          {canWrite && (
            <>
              <button type="button" onClick={() => save(parsedFilter)}>
                Save filter
              </button>
              <button type="button" onClick={() => save(() => null)}>
                Clear filter
              </button>
            </>
          )}
          <label>
            Sample payload (JSON){" "}
            <textarea value={sample} onChange={(e) => setSample(e.target.value)} rows={4} spellCheck={false} />
          </label>
          <button
            type="button"
            onClick={() =>
              run(async () => {
                const filter = parsedFilter();
                if (!filter) return "No filter: every message is sent.";
                const r = await client.testFilter({ filter, payload: parseJson(sample, "The sample payload") as Filter });
                return r.matches ? "It matches: such a message is sent." : "It does not match: such a message is recorded as filtered.";
              })
            }
          >
            Test filter
          </button>
        </>
      )}
    </section>
  );
}
