/**
 * The server's own Prometheus metrics, in the text exposition format. A handful of
 * counters, gauges and one histogram do not need a client library; label values are
 * route patterns, kinds and statuses, never tenant names (unbounded, and not every
 * scraper may see them).
 */
type Labels = Readonly<Record<string, string>>;

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${(labels[k] ?? "").replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

interface Family {
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly values = new Map<string, Map<string, number>>();
  private readonly histograms = new Map<string, Map<string, { buckets: number[]; sum: number; count: number }>>();
  /** Gauges computed at scrape time (tenants per phase, from the store). */
  private readonly collectors: (() => Promise<void>)[] = [];

  constructor() {
    this.define("landlord_http_request_duration_seconds", "histogram", "API request latency by method, route pattern and status class");
    this.define("landlord_workflows_finished_total", "counter", "workflows this process ran to an end, by kind and final status");
    this.define("landlord_workflows_running", "gauge", "workflows this process is running now");
    this.define("landlord_workflow_steps_total", "counter", "workflow step attempts this process ended, by outcome");
    this.define("landlord_reconcile_passes_total", "counter", "reconcile passes over the fleet, by result (ok, failed, skipped)");
    this.define("landlord_reconcile_drift_objects_total", "counter", "objects a reconcile pass found changed or missing and repaired");
    this.define("landlord_reconcile_writes_total", "counter", "writes reconcile passes made to the clusters");
    this.define("landlord_reconcile_last_pass_duration_seconds", "gauge", "how long the last reconcile pass took");
    this.define("landlord_domain_claims_expired_total", "counter", "claims on unproven custom domains the reconcile loop recorded as expired");
    this.define("landlord_cloud_purges_total", "counter", "purge attempts of offboarded incarnations' kept cloud resources, by result (purged, waiting, failed)");
    this.define("landlord_restore_drills_total", "counter", "scheduled restore drill passes, by result (started, running, refused, failed)");
    this.define("landlord_notices_total", "counter", "customer notice deliveries by the leader's courier, by result (sent, failed)");
    this.define("landlord_leader", "gauge", "1 while this replica holds the workers' lease");
    this.define("landlord_tenants", "gauge", "tenants in the store by phase");
  }

  private define(name: string, type: Family["type"], help: string): void {
    this.families.set(name, { help, type });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const m = this.values.get(name) ?? new Map<string, number>();
    const k = key(labels);
    m.set(k, (m.get(k) ?? 0) + by);
    this.values.set(name, m);
  }

  set(name: string, labels: Labels, value: number): void {
    const m = this.values.get(name) ?? new Map<string, number>();
    m.set(key(labels), value);
    this.values.set(name, m);
  }

  /** Replaces every series of a gauge (a gauge whose label set changes, like tenants per phase). */
  reset(name: string): void {
    this.values.delete(name);
  }

  observe(name: string, labels: Labels, seconds: number): void {
    const m = this.histograms.get(name) ?? new Map<string, { buckets: number[]; sum: number; count: number }>();
    const k = key(labels);
    const h = m.get(k) ?? { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
    });
    h.sum += seconds;
    h.count += 1;
    m.set(k, h);
    this.histograms.set(name, m);
  }

  collectWith(fn: () => Promise<void>): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    for (const c of this.collectors) {
      try {
        await c();
      } catch {
        // A failing collector (store down) leaves its gauge as last seen; /readyz reports the store.
      }
    }
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      if (f.type === "histogram") {
        for (const [k, h] of this.histograms.get(name) ?? []) {
          const sep = k === "" ? "" : ",";
          LATENCY_BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${k}${sep}le="${b}"} ${h.buckets[i] ?? 0}`));
          out.push(`${name}_bucket{${k}${sep}le="+Inf"} ${h.count}`, `${name}_sum${k === "" ? "" : `{${k}}`} ${h.sum}`, `${name}_count${k === "" ? "" : `{${k}}`} ${h.count}`);
        }
        continue;
      }
      for (const [k, v] of this.values.get(name) ?? []) out.push(`${name}${k === "" ? "" : `{${k}}`} ${v}`);
    }
    return `${out.join("\n")}\n`;
  }
}
