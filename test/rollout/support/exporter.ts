/**
 * A stand-in for the app's pods (fake pods run nothing): serves per-namespace request and
 * error counters that a real Prometheus scrapes. The error rate of a namespace follows the
 * image tag its app runs, as the test's `bad(tag, tier)` says, read from a source the test
 * gives (the Deployments on the control plane, or the files a directory delivery wrote).
 */
import { createServer, type Server } from "node:http";

export interface AppState {
  readonly namespace: string;
  readonly image: string;
  readonly tier: string;
}

export interface Exporter {
  readonly target: string;
  /** Which tags fail, per tier; changeable while running. */
  bad: (tag: string, tier: string) => boolean;
  /** The last state read from the source, by namespace. */
  state(): ReadonlyMap<string, AppState>;
  stop(): Promise<void>;
}

const REQUESTS_PER_SECOND = 20;
const BAD_ERROR_RATIO = 0.5;

export async function startExporter(source: () => Promise<readonly AppState[]>, refreshMs = 150): Promise<Exporter> {
  const counters = new Map<string, { requests: number; errors: number }>();
  let current = new Map<string, AppState>();
  let last = Date.now();
  let stopped = false;
  const ex: Exporter = {
    target: "",
    bad: () => false,
    state: () => current,
    stop: async () => {
      stopped = true;
      await new Promise<void>((r) => server.close(() => { r(); }));
    },
  };
  const tick = () => {
    const now = Date.now();
    const dt = (now - last) / 1000;
    last = now;
    for (const s of current.values()) {
      const c = counters.get(s.namespace) ?? { requests: 0, errors: 0 };
      const tag = s.image.slice(s.image.lastIndexOf(":") + 1);
      c.requests += REQUESTS_PER_SECOND * dt;
      c.errors += (ex.bad(tag, s.tier) ? BAD_ERROR_RATIO : 0) * REQUESTS_PER_SECOND * dt;
      counters.set(s.namespace, c);
    }
  };
  const refresh = async (): Promise<void> => {
    while (!stopped) {
      try {
        const next = new Map((await source()).map((s) => [s.namespace, s]));
        tick();
        current = next;
      } catch {
        // The source (API server) may be briefly away; keep the last state.
      }
      await new Promise((r) => setTimeout(r, refreshMs));
    }
  };
  const server: Server = createServer((req, res) => {
    tick();
    const lines = ["# TYPE app_requests_total counter", "# TYPE app_errors_total counter"];
    for (const [ns, c] of [...counters].sort()) {
      if (!current.has(ns)) continue;
      lines.push(`app_requests_total{namespace="${ns}"} ${c.requests.toFixed(3)}`, `app_errors_total{namespace="${ns}"} ${c.errors.toFixed(3)}`);
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(`${lines.join("\n")}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => { r(); }));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  void refresh();
  return Object.assign(ex, { target: `127.0.0.1:${String(port)}` });
}

/** prometheus.yml scraping the exporter every second; the exporter's namespace label is kept. */
export function scrapeConfig(target: string): string {
  return `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    honor_labels: true
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: ["${target}"]
`;
}

/** The error-ratio gate the tests use, and a gate on a series that does not exist. */
export const ERROR_GATE = { name: "error-rate", query: "sum(rate(app_errors_total[4s])) / sum(rate(app_requests_total[4s]))", max: 0.05 };
export const MISSING_GATE = { name: "latency", query: "histogram_quantile(0.99, sum by (le) (rate(app_latency_seconds_bucket[4s])))", max: 0.5 };
