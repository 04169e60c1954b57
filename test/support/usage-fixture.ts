/**
 * Usage series of two tenants for a real Prometheus (backfilled with startPrometheus), and
 * what any answer over them must be, computed from the same numbers that were written.
 *
 * Samples every 5 minutes from 31 days before `now` until 3 hours before it (promtool's
 * blocks must be older than the head Prometheus opens). acme: 0.25 cores, 512 MiB, 10
 * requests/s of which 2/s fail with 500 for the whole UTC day two days before today, none
 * otherwise. globex: 2 cores, 1 GiB, 100 requests/s, never a 5xx series at all.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const SCRAPE = 300;
export const DAY = 86400;

export interface Profile {
  readonly cpu: number;
  readonly memory: number;
  /** Requests per second answered 200 / 500 in the 5 minutes starting at t. */
  ok(t: number): number;
  failed(t: number): number;
  /** Whether the tenant has a code="500" series at all. */
  readonly writesFailures: boolean;
}

export interface UsageFixture {
  readonly openMetrics: string;
  /** First and last sample (unix seconds, multiples of SCRAPE). */
  readonly dataStart: number;
  readonly dataEnd: number;
  /** acme's bad day, [from, to). */
  readonly outage: { readonly from: number; readonly to: number };
  readonly profiles: Readonly<Record<"tenant-acme" | "tenant-globex", Profile>>;
}

export function usageFixture(now: number): UsageFixture {
  const dataEnd = Math.floor((now - 3 * 3600) / SCRAPE) * SCRAPE;
  const dataStart = dataEnd - 31 * DAY;
  const from = Math.floor(now / DAY) * DAY - 2 * DAY;
  const outage = { from, to: from + DAY };
  const inOutage = (t: number) => t >= outage.from && t < outage.to;
  const profiles = {
    "tenant-acme": { cpu: 0.25, memory: 512 * 2 ** 20, ok: (t: number) => (inOutage(t) ? 8 : 10), failed: (t: number) => (inOutage(t) ? 2 : 0), writesFailures: true },
    "tenant-globex": { cpu: 2, memory: 2 ** 30, ok: () => 100, failed: () => 0, writesFailures: false },
  } as const;
  const cpu = ["# TYPE container_cpu_usage_seconds counter"];
  const memory = ["# TYPE container_memory_working_set_bytes gauge"];
  const http = ["# TYPE http_requests counter"];
  for (const [ns, p] of Object.entries(profiles)) {
    const pod = `namespace="${ns}",pod="app-0",container="app"`;
    let [cpuSeconds, ok, failed] = [0, 0, 0];
    const okLines: string[] = [];
    const failedLines: string[] = [];
    for (let t = dataStart; t <= dataEnd; t += SCRAPE) {
      cpu.push(`container_cpu_usage_seconds_total{${pod}} ${String(cpuSeconds)} ${String(t)}`);
      memory.push(`container_memory_working_set_bytes{${pod}} ${String(p.memory)} ${String(t)}`);
      okLines.push(`http_requests_total{namespace="${ns}",code="200"} ${String(ok)} ${String(t)}`);
      if (p.writesFailures) failedLines.push(`http_requests_total{namespace="${ns}",code="500"} ${String(failed)} ${String(t)}`);
      // What the next five minutes add.
      cpuSeconds += p.cpu * SCRAPE;
      ok += p.ok(t) * SCRAPE;
      failed += p.failed(t) * SCRAPE;
    }
    http.push(...okLines, ...failedLines);
  }
  // OpenMetrics wants each metric family together, each series' samples in time order.
  const lines = [...cpu, ...memory, ...http];
  return { openMetrics: `${lines.join("\n")}\n# EOF\n`, dataStart, dataEnd, outage, profiles };
}

/** What one day of the month must count: null for a day only partly covered by the data. */
export function expectedDay(f: UsageFixture, ns: keyof UsageFixture["profiles"], dayStart: number): { requests: number; failed: number } | null {
  const p = f.profiles[ns];
  if (dayStart + DAY <= f.dataStart || dayStart > f.dataEnd) return { requests: 0, failed: 0 };
  if (dayStart < f.dataStart || dayStart + DAY > f.dataEnd) return null;
  let [requests, failed] = [0, 0];
  for (let t = dayStart; t < dayStart + DAY; t += SCRAPE) {
    requests += (p.ok(t) + p.failed(t)) * SCRAPE;
    failed += p.failed(t) * SCRAPE;
  }
  return { requests, failed };
}

/**
 * What a usage point at `at` averaging over the `range` seconds before it must be, when
 * that range lies inside the data and inside one regime (else null: not asserted).
 */
export function expectedPoint(f: UsageFixture, ns: keyof UsageFixture["profiles"], id: string, at: number, range: number): number | null {
  const p = f.profiles[ns];
  if (at - range < f.dataStart || at > f.dataEnd) return null;
  const starts: number[] = [];
  for (let t = at - range; t < at; t += SCRAPE) starts.push(t);
  const rates = starts.map((t) => [p.ok(t), p.failed(t)] as const);
  if (rates.some(([o, x]) => o !== rates[0]?.[0] || x !== rates[0][1])) return null;
  const [ok, failed] = rates[0] ?? [0, 0];
  switch (id) {
    case "cpu":
      return p.cpu;
    case "memory":
      return p.memory;
    case "requests":
      return ok + failed;
    case "errors":
      return (100 * failed) / (ok + failed);
    default:
      return null;
  }
}

/** Points Prometheus must not have: after the data stopped, plus one range of lookback. */
export const afterData = (f: UsageFixture, at: number, range: number) => at > f.dataEnd + range;

/** Points a test's project's landlord.yaml at Prometheus, and gives the small tier an SLA of 99.5 %. */
export async function configurePrometheus(projectDir: string, url: string): Promise<void> {
  const file = join(projectDir, "landlord.yaml");
  let text = await readFile(file, "utf8");
  const monitoring = "  monitoring:\n    namespace: monitoring\n";
  const small = "    description: Shared nodes, one database instance.\n    isolation: namespace\n";
  if (!text.includes(monitoring) || !text.includes(small)) throw new Error("landlord init's landlord.yaml changed: update configurePrometheus");
  const slo = "{ availability: 99.9, sla: { availability: 99.5, credits: [{ below: 99.5, percent: 10 }, { below: 99, percent: 25 }] } }";
  text = text.replace(monitoring, `${monitoring}    prometheus: { url: "${url}" }\n`).replace(small, `${small}    slo: ${slo}\n`);
  await writeFile(file, text);
}
