/**
 * A small REST client over one kubeconfig context. @kubernetes/client-node reads the
 * kubeconfig and authenticates (client certificates, tokens, exec plugins, OIDC); the
 * requests go over one keep-alive agent per context, so thousands of objects do not pay a
 * TLS handshake each, with retries on 429, 5xx and refused connections.
 */
import { Agent, request, type RequestOptions } from "node:https";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterUnavailableError, KubeApiError, type StatusCause } from "./errors.js";
import { sleep } from "../../util/sleep.js";

export interface RequestCounters {
  reads: number;
  /** Requests that change the cluster: dry runs are not counted here. */
  writes: number;
  dryRuns: number;
  retries: number;
}

export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  readonly maxElapsedMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxElapsedMs: 60_000, baseDelayMs: 200, maxDelayMs: 5_000 };

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface KubeRequest {
  readonly method: Method;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  /** Accept header; JSON unless the endpoint answers text (pods/log). */
  readonly accept?: string;
  readonly signal?: AbortSignal;
}

const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH", "ECONNABORTED", "UND_ERR_SOCKET"]);


/** Exponential backoff with full jitter. */
export function backoff(attempt: number, o: RetryOptions, random: () => number = Math.random): number {
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return Math.floor(cap / 2 + random() * (cap / 2));
}

interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly retryAfterS?: number;
}

export class KubeClient {
  readonly counters: RequestCounters = { reads: 0, writes: 0, dryRuns: 0, retries: 0 };
  private agent: Agent | HttpAgent | undefined;
  readonly server: string;

  constructor(
    readonly kc: KubeConfig,
    readonly context: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    /** Act as this identity (the credentials must be allowed to impersonate). */
    private readonly impersonate?: { readonly user: string; readonly groups: readonly string[] },
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig context ${context} has no cluster`);
    this.server = cluster.server.replace(/\/+$/, "");
  }

  /** Sends one request, retrying transient failures; JSON in and out. 404 is returned as undefined when allowed. */
  async send<T>(req: KubeRequest): Promise<T> {
    const body = await this.exchange(req);
    return (body === "" ? {} : JSON.parse(body)) as T;
  }

  /** As send, for the few endpoints that answer plain text (pods/log). */
  async sendText(req: KubeRequest): Promise<string> {
    return this.exchange(req);
  }

  private async exchange(req: KubeRequest): Promise<string> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let res: RawResponse;
      try {
        res = await this.once(req);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (req.signal?.aborted === true) throw err;
        if (!TRANSIENT_CODES.has(code)) throw err;
        if (Date.now() - started > this.retry.maxElapsedMs) {
          throw new ClusterUnavailableError(`${this.server} unreachable for ${String(Math.round((Date.now() - started) / 1000))} s (${code}); check that the API server runs and kubeconfig context ${this.context} points at it`);
        }
        this.counters.retries++;
        await sleep(backoff(attempt, this.retry), req.signal);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res.body;
      const transient = res.status === 429 || res.status >= 500;
      if (transient && Date.now() - started <= this.retry.maxElapsedMs) {
        this.counters.retries++;
        const hinted = res.retryAfterS !== undefined ? res.retryAfterS * 1000 : 0;
        await sleep(Math.max(hinted, backoff(attempt, this.retry)), req.signal);
        continue;
      }
      throw apiError(req, res);
    }
  }

  private async once(req: KubeRequest): Promise<RawResponse> {
    const opts: RequestOptions = {};
    // Refreshes expiring credentials (exec plugins, OIDC) on every request; the agent stays.
    await this.kc.applyToHTTPSOptions(opts);
    this.agent ??= this.server.startsWith("http:")
      ? new HttpAgent({ keepAlive: true, maxSockets: 16 })
      : new Agent({ keepAlive: true, maxSockets: 16, ca: opts.ca, cert: opts.cert, key: opts.key, ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}), ...(opts.servername !== undefined ? { servername: opts.servername } : {}) });
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string | string[]> = { Accept: req.accept ?? "application/json", ...(opts.headers as Record<string, string> | undefined) };
    if (this.impersonate) {
      headers["Impersonate-User"] = this.impersonate.user;
      if (this.impersonate.groups.length > 0) headers["Impersonate-Group"] = [...this.impersonate.groups];
    }
    if (payload !== undefined) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    if (req.method === "GET") this.counters.reads++;
    else if (req.query?.dryRun !== undefined) this.counters.dryRuns++;
    else this.counters.writes++;
    const send = url.protocol === "http:" ? httpRequest : request;
    return new Promise<RawResponse>((resolve, reject) => {
      const r = send(url, { method: req.method, headers, agent: this.agent, ...(opts.auth !== undefined ? { auth: opts.auth } : {}), ...(req.signal ? { signal: req.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const retryAfter = Number(res.headers["retry-after"]);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ...(Number.isFinite(retryAfter) ? { retryAfterS: retryAfter } : {}) });
        });
        res.on("error", reject);
      });
      r.on("error", reject);
      r.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

function apiError(req: KubeRequest, res: RawResponse): KubeApiError {
  let reason = "";
  let message = res.body.slice(0, 500);
  let causes: StatusCause[] = [];
  try {
    const s = JSON.parse(res.body) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
    reason = s.reason ?? "";
    message = s.message ?? message;
    causes = s.details?.causes ?? [];
  } catch {
    /* not a Status: keep the text */
  }
  return new KubeApiError(res.status, reason === "" ? `HTTP ${String(res.status)}` : reason, message, causes, `${req.method} ${req.path}`);
}
