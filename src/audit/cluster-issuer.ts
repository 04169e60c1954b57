/**
 * Whether the operator's ClusterIssuer can issue tenant certificates in tenant namespaces.
 * It is the operator's object (it holds the ACME account), so Landlord reads it, never
 * writes it. cert-manager's HTTP-01 solver Service defaults to NodePort, which every tenant
 * namespace refuses (admission policy and a quota of zero NodePorts): the Certificate would
 * wait for ever (issue 22, defect 3).
 */
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null) : []);
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function clusterIssuerProblems(issuer: unknown, name: string): string[] {
  const acme = obj(obj(obj(issuer).spec).acme);
  const out: string[] = [];
  list(acme.solvers).forEach((s, i) => {
    const ingress = obj(s.http01).ingress;
    if (ingress === undefined) return;
    const type = obj(ingress).serviceType;
    if (type !== "ClusterIP") {
      out.push(
        `ClusterIssuer ${name}: spec.acme.solvers[${String(i)}].http01.ingress.serviceType is ${typeof type === "string" ? type : "unset (cert-manager's default: NodePort)"}; tenant namespaces refuse NodePort Services, so no certificate issues` +
          ` (fix: kubectl patch clusterissuer ${name} --type json -p '[{"op":"add","path":"/spec/acme/solvers/${String(i)}/http01/ingress/serviceType","value":"ClusterIP"}]')`,
      );
    }
  });
  return out;
}
