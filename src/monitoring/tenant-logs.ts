/**
 * A tenant's logs through the Kubernetes API (pods/log), read with the tenant's own
 * identity: the namespace-scoped kubeconfig onboarding writes (ServiceAccount tenant-admin,
 * bound by a Role in the tenant's namespace only), never the operator's. So the API server,
 * not this code, is what keeps one tenant from another's pods; the namespace check here
 * only refuses a mismatch before any request, with a clearer message than a 403.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { InputError, NotAllowedError } from "../errors.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { APP, DB, LABEL } from "../render/object.js";

export type LogSource = "app" | "db";

/** Which pods and container a source means: the app Deployment's pods, or the CloudNativePG instances. */
export const LOG_SOURCES: Readonly<Record<LogSource, { selector: string; container: string }>> = {
  app: { selector: `${LABEL.name}=${APP}`, container: APP },
  db: { selector: `cnpg.io/cluster=${DB}`, container: "postgres" },
};

export interface LogOptions {
  readonly source: LogSource;
  readonly sinceSeconds?: number;
  readonly tailLines?: number;
  readonly signal?: AbortSignal;
}

export interface PodLog {
  readonly pod: string;
  readonly container: string;
  readonly text: string;
}

/** Most lines asked of one pod: logs of a busy pod are large, and the API server buffers them. */
export const MAX_TAIL_LINES = 10_000;

interface PodList {
  items?: { metadata?: { name?: string }; status?: { phase?: string } }[];
}

/** A log reader bound to one namespace and to an identity scoped to it. */
export class TenantLogReader {
  private constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
  ) {}

  /**
   * From the tenant kubeconfig. Refused unless its current context is scoped to `namespace`:
   * a kubeconfig without a namespace is likely an operator's, and would read anything.
   */
  static fromKubeconfig(kc: KubeConfig, namespace: string): TenantLogReader {
    const context = kc.getContextObject(kc.getCurrentContext());
    if (!context) throw new NotAllowedError("the tenant kubeconfig has no current context");
    if (context.namespace !== namespace) {
      throw new NotAllowedError(`the kubeconfig's context ${context.name} is scoped to namespace '${context.namespace ?? "(none)"}', not ${namespace}: logs are read only with the tenant's own credentials`);
    }
    // Short retries: a person is waiting, and a kubelet that cannot be reached rarely comes back within seconds.
    return new TenantLogReader(new KubeClient(kc, context.name, { maxElapsedMs: 3_000, baseDelayMs: 200, maxDelayMs: 1_000 }), namespace);
  }

  static fromFile(file: string, namespace: string): TenantLogReader {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return TenantLogReader.fromKubeconfig(kc, namespace);
  }

  private assertOwn(namespace: string): void {
    if (namespace !== this.namespace) throw new NotAllowedError(`this reader holds ${this.namespace}'s credentials and may not read namespace ${namespace}`);
  }

  /** Names of the pods of a source, oldest name first; pods that never started have no log and are left out. */
  async pods(source: LogSource, namespace: string = this.namespace, signal?: AbortSignal): Promise<string[]> {
    this.assertOwn(namespace);
    const list = await this.client.send<PodList>({
      method: "GET",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      query: { labelSelector: LOG_SOURCES[source].selector },
      ...(signal ? { signal } : {}),
    });
    return (list.items ?? [])
      .filter((p) => p.status?.phase !== "Pending")
      .map((p) => p.metadata?.name ?? "")
      .filter((n) => n !== "")
      .sort();
  }

  async logs(opts: LogOptions, namespace: string = this.namespace): Promise<PodLog[]> {
    this.assertOwn(namespace);
    checkLogOptions(opts);
    const { container } = LOG_SOURCES[opts.source];
    const out: PodLog[] = [];
    for (const pod of await this.pods(opts.source, namespace, opts.signal)) {
      const text = await this.client.sendText({
        method: "GET",
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
        accept: "text/plain, */*",
        query: {
          container,
          timestamps: "true",
          sinceSeconds: opts.sinceSeconds === undefined ? undefined : String(Math.ceil(opts.sinceSeconds)),
          tailLines: opts.tailLines === undefined ? undefined : String(opts.tailLines),
        },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      out.push({ pod, container, text });
    }
    return out;
  }

  /** Requests sent so far: a refused read must have sent none. */
  get requests(): number {
    return this.client.counters.reads + this.client.counters.writes;
  }

  close(): void {
    this.client.close();
  }
}

export function checkLogOptions(opts: LogOptions): void {
  if (opts.tailLines !== undefined && (!Number.isInteger(opts.tailLines) || opts.tailLines < 1 || opts.tailLines > MAX_TAIL_LINES)) {
    throw new InputError([{ path: "--tail", message: `--tail must be a whole number from 1 to ${MAX_TAIL_LINES}`, fix: "write e.g. --tail 200" }]);
  }
  if (opts.sinceSeconds !== undefined && !(opts.sinceSeconds > 0)) {
    throw new InputError([{ path: "--since", message: "--since must be a positive duration", fix: "write e.g. --since 1h" }]);
  }
}
