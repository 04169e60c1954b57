/** The portal's calls to the API: the session cookie travels by itself; writes add the CSRF token. */
export interface Me {
  kind: "operator" | "tenant";
  name: string;
  csrfToken?: string;
}
export interface Tenant {
  name: string;
  phase: string;
  tier: string;
  displayName: string;
  generation: number;
  cluster: string | null;
  domains: string[];
  created: string;
  updated: string;
  dataRetainedUntil: string | null;
}
export interface TenantDetail extends Tenant {
  state: string;
  next: string[];
}
export interface Step {
  name: string;
  status: string;
  attempts: number;
  error: string | null;
  durationMs: number | null;
}
export interface Workflow {
  id: string;
  kind: string;
  tenant: string;
  status: string;
  error: string | null;
  created: string;
  finished: string | null;
  steps?: Step[];
}
export interface Problem {
  path: string;
  message: string;
  fix: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problem[],
  ) {
    super(message);
  }
}

let csrf = "";
export function setCsrf(token: string | undefined): void {
  csrf = token ?? "";
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrf;
  const res = await fetch(path, { method, headers, credentials: "same-origin", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const data: unknown = text === "" ? null : JSON.parse(text);
  if (!res.ok) {
    const e = (data as { error?: { message?: string; problems?: Problem[] } } | null)?.error;
    throw new ApiError(res.status, e?.message ?? `HTTP ${String(res.status)}`, e?.problems ?? []);
  }
  return data as T;
}

export const isFinished = (status: string) => status === "Succeeded" || status === "Failed" || status === "Cancelled";

/** A page of a list (Kubernetes list semantics): `metadata.continue` leads to the next. */
export interface Page<T> {
  items: T[];
  metadata: { continue?: string };
}

/**
 * Follows `continue` for up to `pages` pages of `path` (which carries its own query);
 * says whether more remain.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the item type, as with api<T>
export async function pages<T>(path: string, count: number): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let next: string | undefined;
  let n = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api<Page<T>>("GET", next === undefined ? path : `${path}${sep}continue=${encodeURIComponent(next)}`);
    items.push(...page.items);
    next = page.metadata.continue;
    n++;
  } while (next !== undefined && n < count);
  return { items, more: next !== undefined };
}

/** A problem answer the page shows as a note (409 not-configured): its message and each fix. */
export function noteOf(e: unknown): { message: string; fixes: string[] } | undefined {
  if (!(e instanceof ApiError) || e.status !== 409) return undefined;
  return { message: e.message, fixes: e.problems.map((p) => p.fix) };
}

/** The current month in UTC as the API writes it (YYYY-MM). */
export const thisMonth = (now = new Date()) => now.toISOString().slice(0, 7);
