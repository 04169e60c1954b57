/**
 * What a hand-made, single-customer deployment consists of, as `landlord adopt` finds it:
 * read from its namespace and, when given, its Terraform state. Plain data, so proposing
 * an adoption is a pure function of it (proposal.ts).
 */

export interface ExistingWorkload {
  readonly kind: "Deployment" | "StatefulSet";
  readonly name: string;
  readonly images: readonly string[];
  readonly replicas: number;
  readonly readyReplicas: number;
}

export interface ExistingIngress {
  readonly name: string;
  readonly hosts: readonly string[];
}

/** How the existing PostgreSQL is reached from inside the cluster; the password stays in its Secret. */
export interface ExistingDatabase {
  /** `cloudnative-pg`: a Cluster of CloudNativePG; `postgres`: a workload running a postgres image. */
  readonly kind: "cloudnative-pg" | "postgres";
  /** The Cluster or workload. */
  readonly name: string;
  /** A host name that resolves inside the cluster (a Service of the namespace). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The Secret (in the existing namespace) and key holding the user's password. */
  readonly passwordSecret: { readonly name: string; readonly key: string };
}

/** One managed resource instance of a Terraform state (format version 4). */
export interface ExistingCloudResource {
  /** Its address in the state it came from, e.g. `azurerm_key_vault.main`. */
  readonly address: string;
  readonly type: string;
  /** The `name` attribute, when the resource has one. */
  readonly name?: string;
  readonly id: string;
}

export interface ExistingSetup {
  readonly cluster: string;
  readonly namespace: string;
  readonly workloads: readonly ExistingWorkload[];
  readonly ingresses: readonly ExistingIngress[];
  readonly database?: ExistingDatabase;
  readonly cloud: readonly ExistingCloudResource[];
}
