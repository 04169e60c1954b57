/** What an app package is, and what Landlord keeps of it once rendered for a tenant. */
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { KubeObject } from "../object.js";

export type PackageSpec = NonNullable<PlatformConfig["app"]>["package"];
export type HelmSpec = NonNullable<PackageSpec["helm"]>;

/** Where the package comes from, as the GitOps Application and error messages name it. */
export interface PackageOrigin {
  readonly kind: "helm" | "kustomize";
  /** e.g. "chart example-shop 0.3.0 (./examples/chart)" or "kustomize base ./deploy/base": every refusal names it. */
  readonly display: string;
  readonly helm?: {
    /** Chart name in a repository, an oci:// reference, or a path as landlord.yaml wrote it. */
    readonly chart: string;
    readonly repository?: string;
    readonly version: string;
    readonly releaseName: string;
  };
}

/** A package rendered for one tenant and accepted by the guardrails: an input of renderBundle. */
export interface PackagedApp {
  readonly origin: PackageOrigin;
  /** The values it was templated with (three layers plus `landlord`); GitOps hands Argo CD the same. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The rendered objects, forced into the tenant's namespace and labelled, in a stable order. */
  readonly objects: readonly KubeObject[];
  /** Jobs that must complete before the new version's workloads are applied (pre-install/pre-upgrade hooks). */
  readonly migrations: readonly string[];
  /** The Service and port Landlord's Ingress routes the tenant's domains to. */
  readonly expose: { readonly service: string; readonly port: number | string };
  /**
   * A local chart directory's files (path inside the chart -> text), for GitOps: Argo CD
   * reads the chart from the fleet repository, where they are written under charts/.
   */
  readonly chartFiles?: ReadonlyMap<string, string>;
  /** The chart's own name (Chart.yaml), for the repository path and the Application. */
  readonly chartName?: string;
}
