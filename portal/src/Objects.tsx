/** The tenant's objects on its cluster (delivery.mode kubernetes): applied, ready, drifted. */
import { useEffect, useState } from "react";
import { api, ApiError } from "./api.ts";

interface ObjectStatus {
  object: string;
  applied: boolean;
  ready: boolean | null;
  reason: string | null;
  drift: string | null;
}

export function Objects({ name, phase }: { name: string; phase: string }) {
  const [objects, setObjects] = useState<ObjectStatus[] | undefined>(undefined);
  const [note, setNote] = useState("");
  useEffect(() => {
    api<{ objects: ObjectStatus[] }>("GET", `/api/v1/tenants/${name}/status`)
      .then((r) => { setObjects(r.objects); setNote(""); })
      .catch((e: unknown) => { setNote(e instanceof ApiError && e.status === 409 ? e.message : "Object status is not available."); });
  }, [name, phase]);
  return (
    <section aria-labelledby="objects-title">
      <h2 id="objects-title">Objects</h2>
      {note !== "" ? <p className="help">{note}</p> : null}
      {objects ? (
        <table>
          <caption>{objects.length} objects on the cluster</caption>
          <thead><tr><th scope="col">Object</th><th scope="col">Applied</th><th scope="col">Ready</th><th scope="col">Changed by hand</th></tr></thead>
          <tbody>
            {objects.map((o) => (
              <tr key={o.object}><th scope="row">{o.object}</th><td>{o.applied ? "yes" : "no"}</td><td>{o.ready === null ? "-" : o.ready ? "yes" : `no${o.reason !== null ? ` (${o.reason})` : ""}`}</td><td>{o.drift ?? "-"}</td></tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
