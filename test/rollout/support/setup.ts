/** Shared setup of the rollout tests: a real Prometheus scraping the exporter, rollout settings, waiting helpers. */
import { stringify } from "yaml";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import type { RolloutEventLine } from "../../../src/rollout/runner.js";
import { startPrometheus, type RunningPrometheus } from "../../support/prometheus-server.js";
import { scrapeConfig, startExporter, type AppState, type Exporter } from "./exporter.js";

export interface Observability {
  readonly exporter: Exporter;
  readonly prometheus: RunningPrometheus;
  stop(): Promise<void>;
}

export async function startObservability(source: () => Promise<readonly AppState[]>): Promise<Observability> {
  const exporter = await startExporter(source);
  const prometheus = await startPrometheus("", { config: scrapeConfig(exporter.target) });
  return {
    exporter,
    prometheus,
    async stop() {
      await prometheus.stop();
      await exporter.stop();
    },
  };
}

/** landlord.yaml text with a `rollout` block (and anything else appended). */
export function platformTextWith(rollout: Record<string, unknown>, base = PLATFORM_TEMPLATE): string {
  return `${base}\n${stringify({ rollout })}`;
}

/** Collects event lines; `until` resolves when a line matches. */
export function eventLog(): { lines: string[]; onEvent: (e: RolloutEventLine) => void; until(re: RegExp, timeoutMs?: number): Promise<void> } {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  return {
    lines,
    onEvent(e) {
      const line = `[${e.wave ?? "-"}${e.tenant ? ` ${e.tenant}` : ""}] ${e.message}`;
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.re.test(line)) w.resolve();
        else waiters.push(w);
      }
    },
    until(re, timeoutMs = 60_000) {
      if (lines.some((l) => re.test(l))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no event matching ${String(re)} in ${String(timeoutMs)} ms; saw:\n${lines.join("\n")}`)); }, timeoutMs);
        waiters.push({ re, resolve: () => {
          clearTimeout(timer);
          resolve();
        } });
      });
    },
  };
}

/** Waits until Prometheus has a few samples of every namespace (rate windows need them). */
export async function waitForSeries(url: string, namespaces: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent("count_over_time(app_requests_total[5s])")}`).then((r) => r.json() as Promise<{ data?: { result?: { metric: { namespace?: string }; value: [number, string] }[] } }>, () => undefined);
    const have = new Map((res?.data?.result ?? []).map((r) => [r.metric.namespace ?? "", Number(r.value[1])]));
    if (namespaces.every((ns) => (have.get(ns) ?? 0) >= 4)) return;
    if (Date.now() > deadline) throw new Error(`Prometheus has no steady series for ${namespaces.filter((ns) => (have.get(ns) ?? 0) < 4).join(", ")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
