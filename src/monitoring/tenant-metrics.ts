/**
 * Tenant-scoped queries against the Prometheus HTTP API: the library function behind
 * `landlord metrics` and the API. The query is scoped first (src/spec/scope-promql.ts); the answer
 * is checked again on the way back, so that a series of another namespace is an error
 * even if the scoping had a hole.
 */
import { LandlordError } from "../errors.js";
import type { PrometheusQueryConfig } from "../spec/monitoring-schema.js";
import { assertScoped, checkRangeWindow, DEFAULT_SCOPE_LIMITS, scopeQuery, type ScopeLimits } from "../spec/scope-promql.js";

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value] pairs; one pair for an instant query. */
  readonly values: readonly (readonly [number, string])[];
}

export interface TenantQueryResult {
  /** The query as sent to Prometheus, with the namespace fence in it. */
  readonly query: string;
  readonly resultType: "vector" | "matrix" | "scalar" | "string";
  readonly series: readonly Sample[];
}

export type QueryTime = { readonly time: number } | { readonly start: number; readonly end: number; readonly step: number };

export function limitsOf(config: PrometheusQueryConfig): ScopeLimits {
  return {
    ...DEFAULT_SCOPE_LIMITS,
    maxLookbackSeconds: config.maxLookbackSeconds,
    maxQueryRangeSeconds: config.maxQueryRangeSeconds,
    minStepSeconds: config.minStepSeconds,
  };
}

interface ApiAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown } | string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Prometheus writes a sample as [unix seconds, "value"]. */
function pairOf(p: unknown): readonly [number, string] {
  if (!Array.isArray(p) || p.length !== 2) throw new LandlordError("Prometheus answered with a malformed sample");
  const pair: unknown[] = p;
  return [Number(pair[0]), String(pair[1])];
}

function samplesOf(resultType: string, result: unknown): Sample[] {
  if (resultType === "scalar" || resultType === "string") return [{ metric: {}, values: [pairOf(result)] }];
  if (!Array.isArray(result)) throw new LandlordError("Prometheus answered with a result that is not a list");
  return result.map((r: unknown) => {
    if (!isRecord(r) || !isRecord(r.metric)) throw new LandlordError("Prometheus answered with a malformed series");
    const metric = Object.fromEntries(Object.entries(r.metric).map(([k, v]) => [k, String(v)]));
    const raw = resultType === "vector" ? [r.value] : r.values;
    const values = (Array.isArray(raw) ? raw : []).map(pairOf);
    return { metric, values };
  });
}

async function post(base: string, path: string, params: URLSearchParams, fetchImpl: typeof fetch, timeoutSeconds: number): Promise<NonNullable<ApiAnswer["data"]>> {
  let res: Response;
  try {
    res = await fetchImpl(`${base}/api/v1/${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: params.toString(),
      signal: AbortSignal.timeout((timeoutSeconds + 5) * 1000),
    });
  } catch (err) {
    throw new LandlordError(`Prometheus at ${base} could not be reached: ${err instanceof Error ? err.message : String(err)}`);
  }
  let body: ApiAnswer;
  try {
    body = (await res.json()) as ApiAnswer;
  } catch {
    throw new LandlordError(`Prometheus at ${base} answered HTTP ${res.status} to ${path} without JSON`);
  }
  if (body.status !== "success" || body.data === undefined) {
    throw new LandlordError(`Prometheus refused the query (${body.errorType ?? `HTTP ${res.status}`}): ${body.error ?? "no reason given"}`);
  }
  return body.data;
}

/** Prometheus' own parse of the query, printed back (format_query, Prometheus 2.38+). */
async function asPrometheusReadsIt(base: string, query: string, fetchImpl: typeof fetch, timeoutSeconds: number): Promise<string> {
  const data: unknown = await post(base, "format_query", new URLSearchParams({ query }), fetchImpl, timeoutSeconds);
  if (typeof data !== "string") throw new LandlordError("Prometheus' format_query answered without a query");
  return data;
}

/**
 * Runs a PromQL query for one tenant. Throws InputError when the query or window cannot be
 * scoped or is over the limits, LandlordError when Prometheus refuses or cannot be reached.
 */
export async function queryTenantMetrics(
  config: PrometheusQueryConfig,
  namespace: string,
  promql: string,
  when: QueryTime,
  fetchImpl: typeof fetch = fetch,
): Promise<TenantQueryResult> {
  const limits = limitsOf(config);
  const base = config.url.replace(/\/+$/, "");
  const query = await asPrometheusReadsIt(base, scopeQuery(promql, namespace, limits), fetchImpl, config.timeoutSeconds);
  try {
    assertScoped(query, namespace, limits);
  } catch {
    throw new LandlordError(`Prometheus reads the query differently from landlord's parser, so it cannot be scoped safely; refused: ${query}`);
  }
  const params = new URLSearchParams({ query, timeout: `${config.timeoutSeconds}s` });
  let path: string;
  if ("time" in when) {
    params.set("time", String(when.time));
    path = "query";
  } else {
    checkRangeWindow(when, limits);
    params.set("start", String(when.start));
    params.set("end", String(when.end));
    params.set("step", String(when.step));
    path = "query_range";
  }
  const data = await post(base, path, params, fetchImpl, config.timeoutSeconds);
  if (typeof data === "string") throw new LandlordError("Prometheus answered a query with a string");
  const resultType = data.resultType;
  if (resultType !== "vector" && resultType !== "matrix" && resultType !== "scalar" && resultType !== "string") {
    throw new LandlordError(`Prometheus answered with an unknown result type '${String(resultType)}'`);
  }
  const series = samplesOf(resultType, data.result);
  const foreign = series.find((s) => s.metric.namespace !== undefined && s.metric.namespace !== namespace);
  // Unreachable when scoping is right; if it ever is not, nothing of the answer is shown.
  if (foreign) throw new LandlordError(`internal error: Prometheus returned a series outside ${namespace}; the answer was withheld`);
  return { query, resultType, series };
}
