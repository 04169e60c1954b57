/** A workflow's steps, live from its server-sent events until it ends. */
import { useEffect, useRef, useState } from "react";
import type { Workflow } from "./api.ts";

export function Progress({ id, onEnd }: { id: string; onEnd?: (wf: Workflow) => void }) {
  const [wf, setWf] = useState<Workflow | undefined>(undefined);
  const [lastLog, setLastLog] = useState("");
  // Kept in a ref so the stream is opened once per workflow, not again on every new callback.
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  useEffect(() => {
    let ended = false;
    const source = new EventSource(`/api/v1/workflows/${id}/events`);
    const snapshot = (e: MessageEvent<string>) => { setWf(JSON.parse(e.data) as Workflow); };
    source.addEventListener("snapshot", snapshot);
    source.addEventListener("progress", (e: MessageEvent<string>) => {
      const ev = JSON.parse(e.data) as { type: string; step?: string; message?: string };
      if (ev.type === "step-log" && ev.message !== undefined) setLastLog(`${ev.step ?? ""}: ${ev.message}`);
    });
    source.addEventListener("end", (e: MessageEvent<string>) => {
      const done = JSON.parse(e.data) as Workflow;
      ended = true;
      setWf(done);
      source.close();
      onEndRef.current?.(done);
    });
    // The server closes the stream at the end; anything else is a lost connection the browser retries.
    source.onerror = () => { if (ended) source.close(); };
    return () => { source.close(); };
  }, [id]);
  if (!wf) return <p aria-live="polite">Connecting to workflow {id} ...</p>;
  return (
    <section aria-labelledby={`wf-${id}`} className="progress">
      <h3 id={`wf-${id}`}>{wf.kind} workflow: <span className={`status status-${wf.status}`}>{wf.status}</span></h3>
      <ol aria-live="polite">
        {(wf.steps ?? []).map((s) => (
          <li key={s.name} className={`step step-${s.status}`}>
            <span className="step-name">{s.name}</span> <span className="step-status">{s.status}</span>
            {s.durationMs !== null ? <span className="step-ms"> {s.durationMs} ms</span> : null}
            {s.error !== null ? <div className="error">{s.error}</div> : null}
          </li>
        ))}
      </ol>
      {lastLog !== "" ? <p className="log">{lastLog}</p> : null}
      {wf.error !== null ? <p role="alert" className="error">{wf.error}</p> : null}
    </section>
  );
}
