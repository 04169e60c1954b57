/**
 * Scoped queries against a real Prometheus holding two tenants' series (and a node series
 * with no namespace). Every hostile query either is refused before it is sent or returns
 * nothing of tenant-globex or the node: the acme values are 1 (and a count of 2), globex's
 * are 666 and the node's 42, so any other number or a foreign label in an answer is a leak.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { InputError } from "../../src/errors.js";
import { queryTenantMetrics, type TenantQueryResult } from "../../src/monitoring/tenant-metrics.js";
import type { PrometheusQueryConfig } from "../../src/spec/monitoring-schema.js";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";

const ACME = "tenant-acme";
/** Last sample, two minutes in the past on a minute boundary; an hour of samples before it. */
const T = Math.floor(Date.now() / 60_000) * 60 - 120;

function openMetrics(): string {
  const series: [string, string, number][] = [
    ["tenant_secret", `namespace="${ACME}",pod="a"`, 1],
    ["tenant_secret", `namespace="tenant-globex",pod="g"`, 666],
    ["globex_only", `namespace="tenant-globex"`, 666],
    ["node_load", `node="n1"`, 42],
  ];
  const lines: string[] = [];
  for (const name of ["tenant_secret", "globex_only", "node_load"]) {
    lines.push(`# TYPE ${name} gauge`);
    for (const [n, labels, value] of series) {
      if (n !== name) continue;
      for (let t = T - 3600; t <= T; t += 60) lines.push(`${n}{${labels}} ${value} ${t}`);
    }
  }
  return `${lines.join("\n")}\n# EOF\n`;
}

let prom: RunningPrometheus;
let config: PrometheusQueryConfig;

beforeAll(async () => {
  prom = await startPrometheus(openMetrics());
  config = { url: prom.url, maxLookbackSeconds: 7 * 86400, maxQueryRangeSeconds: 32 * 86400, minStepSeconds: 15, timeoutSeconds: 10 };
}, 60_000);

const workspaces: string[] = [];
afterAll(async () => {
  await prom.stop();
  for (const w of workspaces) await rm(w, { recursive: true, force: true });
});

const instant = (q: string) => queryTenantMetrics(config, ACME, q, { time: T });

async function unscoped(q: string): Promise<string[]> {
  const res = await fetch(`${prom.url}/api/v1/query?${new URLSearchParams({ query: q, time: String(T) }).toString()}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result.map((r) => r.value[1]);
}

function assertNoLeak(r: TenantQueryResult): void {
  for (const s of r.series) {
    for (const v of Object.values(s.metric)) expect(v).not.toMatch(/globex|n1/);
    for (const [, value] of s.values) expect(["1", "2"]).toContain(value);
  }
}

describe("the test data holds both tenants (so an empty answer means something)", () => {
  test("unscoped, Prometheus returns globex's and the node's values", async () => {
    expect((await unscoped("sum(tenant_secret)")).map(Number)).toEqual([667]);
    expect(await unscoped("node_load")).toEqual(["42"]);
    expect(await unscoped("globex_only")).toEqual(["666"]);
  });
});

describe("queries that are answered, scoped to tenant-acme", () => {
  const cases: [string, string[]][] = [
    ["tenant_secret", ["1"]],
    ["sum(tenant_secret)", ["1"]],
    ["globex_only", []],
    ["node_load", []],
    ["sum(tenant_secret) or on() globex_only", ["1"]],
    ["sum(tenant_secret) or on() node_load", ["1"]],
    ["max(tenant_secret) + on() group_left max(globex_only)", []],
    ["tenant_secret unless on() globex_only", ["1"]],
    ["sum without (namespace) (tenant_secret)", ["1"]],
    ["count({__name__=~\".+\"})", ["1"]],
    ["count({__name__!=\"\"})", ["1"]],
    ["{__name__=~\"globex_only|tenant_secret|node_load\"}", ["1"]],
    [`tenant_secret{namespace="${ACME}"}`, ["1"]],
    [`tenant_secret{namespace='${ACME}'}`, ["1"]],
    ["max_over_time(tenant_secret[1h])", ["1"]],
    ["max_over_time(tenant_secret[7d])", ["1"]],
    ["tenant_secret offset 10m", ["1"]],
    ["sum(max_over_time(tenant_secret[30m:5m]))", ["1"]],
    ["tenant_secret @ end()", ["1"]],
    ["absent(globex_only)", ["1"]],
    ["sum(tenant_secret) by (namespace)", ["1"]],
    ["label_replace(tenant_secret, \"ns2\", \"$1\", \"namespace\", \"(.*)\")", ["1"]],
    ["topk(100, {__name__=~\".+\"}) * 2", ["2"]],
    ['tenant_secret # {namespace="tenant-globex"}\n', ["1"]],
    ["sum by (namespace) (tenant_secret) or on(namespace) sum by (namespace) (globex_only)", ["1"]],
    ["tenant_secret and on() vector(1)", ["1"]],
    ["count(count by (namespace) ({__name__=~\".+\"}))", ["1"]],
    ["((((((tenant_secret))))))", ["1"]],
    ["tenant_secret   {pod=\"a\"}", ["1"]],
  ];
  test.each(cases)("%s", async (q, expected) => {
    const r = await instant(q);
    assertNoLeak(r);
    expect(r.series.map((s) => s.values[0]?.[1]).sort()).toEqual(expected);
    expect(r.query).toContain(`namespace="${ACME}"`);
  });

  test("an answered series carries the tenant's own namespace", async () => {
    const r = await instant("sum(tenant_secret) by (namespace)");
    expect(r.series[0]?.metric).toEqual({ namespace: ACME });
  });

  test("a range query is scoped too", async () => {
    const r = await queryTenantMetrics(config, ACME, "sum by (namespace) ({__name__=~\".+\"})", { start: T - 1800, end: T, step: 60 });
    expect(r.resultType).toBe("matrix");
    expect(r.series).toHaveLength(1);
    expect(r.series[0]?.values).toHaveLength(31);
    assertNoLeak(r);
  });
});

describe("queries that are refused before they reach Prometheus", () => {
  const cases: [string, RegExp][] = [
    ['tenant_secret{namespace="tenant-globex"}', /may only read namespace tenant-acme/],
    ['tenant_secret{namespace=~"tenant-.*"}', /may only read namespace/],
    ['tenant_secret{namespace=~"tenant-acme|tenant-globex"}', /may only read namespace/],
    ['tenant_secret{namespace=~"tenant-acme"}', /may only read namespace/],
    ['tenant_secret{namespace!="tenant-acme"}', /may only read namespace/],
    ['tenant_secret{namespace!~"x"}', /may only read namespace/],
    ['tenant_secret{namespace=""}', /may only read namespace/],
    ['{"namespace"="tenant-globex"}', /may only read namespace/],
    ['{"name\\x73pace"="tenant-globex"}', /escaped label names/],
    ['tenant_secret{namespace="tenant-\\x61cme"}', /may only read namespace/],
    ['tenant_secret or tenant_secret{namespace="tenant-globex"}', /may only read namespace/],
    ['sum(tenant_secret) + on() group_left sum(globex_only{namespace=~".+"})', /may only read namespace/],
    ['label_replace(tenant_secret, "namespace", "tenant-globex", "", "")', /label_replace may not write the namespace/],
    ['label_join(tenant_secret, "namespace", "", "pod")', /label_join may not write the namespace/],
    ['count_values("namespace", tenant_secret)', /count_values may not write/],
    ["info(tenant_secret)", /info\(\) joins target_info/],
    ["tenant_secret offset 30d", /looks back 2592000s/],
    ["tenant_secret offset -1h", /plain durations/],
    ["max_over_time(tenant_secret[30d])", /looks back/],
    ["max_over_time(tenant_secret[1y])", /looks back/],
    ["max_over_time(max_over_time(tenant_secret[5d:1h])[5d:1h])", /looks back 864000s/],
    ["max_over_time(tenant_secret[6d] offset 2d)", /looks back/],
    ["tenant_secret @ 1000", /@ with a timestamp/],
    ["tenant_secret[5m+1m]", /plain durations/],
    ["sum(tenant_secret", /not valid PromQL/],
    ["", /empty/],
    [`${"sum(".repeat(1100)}tenant_secret${")".repeat(1100)}`, /characters long/],
  ];
  test.each(cases)("%s", async (q, message) => {
    const err = await instant(q).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(message);
  });

  test.each([
    [{ start: T - 40 * 86400, end: T, step: 3600 }, /more than the 2764800s allowed/],
    [{ start: T - 3600, end: T, step: 1 }, /step must be at least 15s/],
    [{ start: T - 30 * 86400, end: T, step: 60 }, /points per series/],
    [{ start: T, end: T - 3600, step: 60 }, /start is after end/],
  ])("range window %o is refused", async (win, message) => {
    await expect(queryTenantMetrics(config, ACME, "tenant_secret", win)).rejects.toThrow(message);
  });
});

describe("answers from Prometheus", () => {
  test("a series from another namespace in an answer is withheld (defence in depth)", async () => {
    const lying: typeof fetch = (url) =>
      Promise.resolve(
        new Response(
          JSON.stringify(
            (typeof url === "string" ? url : url instanceof URL ? url.href : url.url).endsWith("/format_query")
              ? { status: "success", data: 'up{namespace="tenant-acme"}' }
              : { status: "success", data: { resultType: "vector", result: [{ metric: { namespace: "tenant-globex" }, value: [T, "666"] }] } },
          ),
        ),
      );
    await expect(queryTenantMetrics(config, ACME, "up", { time: T }, lying)).rejects.toThrow(/withheld/);
  });

  test("a query Prometheus reads differently from landlord's parser is refused (parser differential)", async () => {
    // Stands in for a Prometheus whose parser sees a selector that lezer did not.
    const differing: typeof fetch = () => Promise.resolve(new Response(JSON.stringify({ status: "success", data: 'up{namespace="tenant-acme"} or globex_only' })));
    await expect(queryTenantMetrics(config, ACME, "up", { time: T }, differing)).rejects.toThrow(/reads the query differently/);
  });

  test("the query that runs is Prometheus' own formatting of the fenced query", async () => {
    const r = await instant('sum by (pod) (rate(tenant_secret{pod=~"a|b"}[5m] offset 1m))');
    expect(r.query).toBe('sum by (pod) (rate(tenant_secret{namespace="tenant-acme",pod=~"a|b"}[5m] offset 1m))');
  });

  test("an unreachable Prometheus is an error naming the URL", async () => {
    await expect(queryTenantMetrics({ ...config, url: "http://127.0.0.1:1" }, ACME, "up", { time: T })).rejects.toThrow(/127\.0\.0\.1:1 could not be reached/);
  });
});

describe("landlord metrics", () => {
  async function workspace(prometheusUrl: string | undefined): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "landlord-metrics-"));
    workspaces.push(dir);
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {} };
    expect(await run(["init"], io)).toBe(0);
    if (prometheusUrl !== undefined) {
      const file = join(dir, "landlord.yaml");
      const text = await readFile(file, "utf8");
      const anchor = "  monitoring:\n    namespace: monitoring\n";
      expect(text).toContain(anchor);
      await writeFile(file, text.replace(anchor, `${anchor}    prometheus: { url: "${prometheusUrl}" }\n`));
    }
    return dir;
  }

  async function landlord(cwd: string, ...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} };
    const code = await run(argv, io);
    return { code, stdout, stderr };
  }

  test("prints the tenant's series as a table, and the fenced query with -o json", async () => {
    const dir = await workspace(prom.url);
    const r = await landlord(dir, "metrics", "acme", "sum by (namespace) (tenant_secret)", "--time", String(T));
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(`SERIES                      TIME                       VALUE\n{namespace="tenant-acme"}   ${new Date(T * 1000).toISOString()}   1\n`);
    const j = await landlord(dir, "metrics", "acme", "tenant_secret", "--since", "10m", "--end", String(T), "--step", "5m", "-o", "json");
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { query: string; series: { values: unknown[] }[] };
    expect(doc.query).toBe('tenant_secret{namespace="tenant-acme"}');
    expect(doc.series[0]?.values).toHaveLength(3);
  });

  test("a query that reaches for another namespace exits 2 with the reason", async () => {
    const dir = await workspace(prom.url);
    const r = await landlord(dir, "metrics", "acme", 'tenant_secret{namespace="tenant-globex"}', "--time", String(T));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/may only read namespace tenant-acme/);
  });

  test("without a configured Prometheus it says where to set one", async () => {
    const dir = await workspace(undefined);
    const r = await landlord(dir, "metrics", "acme", "up");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/integrations\.monitoring\.prometheus\.url/);
  });

  test("a URL with credentials is refused when landlord.yaml loads, without echoing them", async () => {
    const dir = await workspace("http://admin:hunter2@127.0.0.1:9090");
    const r = await landlord(dir, "metrics", "acme", "up");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must not carry credentials/);
    expect(r.stderr).not.toContain("hunter2");
  });
});
