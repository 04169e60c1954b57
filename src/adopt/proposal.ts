/**
 * From what exists to what Landlord will run: the tenant spec an adoption proposes and the
 * plan of what happens to each existing part. Pure; reading the cluster and the Terraform
 * state is the adapters' job, carrying the plan out is the adopt workflow's.
 *
 * The existing namespace keeps serving until the switch: Landlord builds the tenant beside
 * it in its own namespace (its quota, policies and RBAC would otherwise cut the running,
 * unlabelled pods off mid-flight), copies the database into its own CloudNativePG cluster,
 * checks the copy row for row against the source, and only then moves the hostnames over.
 */
import type { InputProblem } from "../errors.js";
import type { ExistingSetup, ExistingWorkload } from "./existing-setup.js";

/** move: its contents go to a Landlord-made copy; rename: a Landlord-named one replaces it; import: Terraform takes it over as it is; switch: traffic moves to Landlord's; keep: left alone. */
export type AdoptAction = "move" | "rename" | "import" | "switch" | "keep";

export interface PlanItem {
  readonly what: string;
  readonly action: AdoptAction;
  readonly how: string;
}

export interface ProposeOptions {
  readonly name: string;
  readonly tier: string;
  readonly email?: string;
  readonly domains?: readonly string[];
  /** The platform's default app image repository (landlord.yaml defaults.app.image). */
  readonly defaultAppImage: string;
}

export interface ProposedSpec {
  readonly spec: Record<string, unknown>;
  /** The existing workload running the app. */
  readonly app?: ExistingWorkload;
  readonly problems: readonly InputProblem[];
}

const POSTGRES_IMAGE = /(^|\/)(postgres|postgresql|cloudnative-pg\/postgresql)(:|@|$)/;

function splitImage(image: string): { repository: string; tag?: string } {
  const at = image.indexOf("@");
  const ref = at === -1 ? image : image.slice(0, at);
  const colon = ref.lastIndexOf(":");
  if (colon > ref.lastIndexOf("/")) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref };
}

export function isPostgresImage(image: string): boolean {
  return POSTGRES_IMAGE.test(splitImage(image).repository + ":");
}

/** The workload that is the customer-facing app: the one Deployment that runs no PostgreSQL. */
export function appWorkload(setup: ExistingSetup): ExistingWorkload | undefined {
  const apps = setup.workloads.filter((w) => w.kind === "Deployment" && !w.images.some(isPostgresImage));
  return apps.length === 1 ? apps[0] : undefined;
}

export function proposeSpec(setup: ExistingSetup, o: ProposeOptions): ProposedSpec {
  const problems: InputProblem[] = [];
  const app = appWorkload(setup);
  const appImage = app?.images[0];
  const image = appImage === undefined ? undefined : splitImage(appImage);
  if (app === undefined) {
    const deployments = setup.workloads.filter((w) => w.kind === "Deployment" && !w.images.some(isPostgresImage)).map((w) => w.name);
    problems.push({
      path: `namespace ${setup.namespace}`,
      message: deployments.length === 0 ? "holds no Deployment besides PostgreSQL: there is no app to adopt" : `holds ${String(deployments.length)} Deployments besides PostgreSQL (${deployments.join(", ")}): which one is the app is not clear`,
      fix: "adopt a namespace whose app is one Deployment, or remove the others first",
    });
  } else if (image?.tag === undefined) {
    problems.push({ path: `deployment ${app.name}`, message: `runs image ${appImage ?? ""} without a tag`, fix: "deploy the app by a tagged image first, so Landlord knows which version it runs" });
  }
  const domains = o.domains ?? [...new Set(setup.ingresses.flatMap((i) => i.hosts))];
  if (domains.length === 0) problems.push({ path: "--domain", message: `no Ingress in ${setup.namespace} names a host`, fix: "pass the customer's hostname with --domain" });
  if (o.email === undefined) problems.push({ path: "--email", message: "the tenant's contact email is required", fix: "pass the customer's operations address with --email" });
  if (setup.database === undefined) {
    problems.push({
      path: `namespace ${setup.namespace}`,
      message: "no PostgreSQL was found (no CloudNativePG Cluster, no workload running a postgres image behind a Service)",
      fix: "pass its Secret with --database-secret NAME (keys password, and username, database, host, port if they differ from the defaults)",
    });
  }
  if (setup.database !== undefined && setup.database.passwordSecret.name === "") {
    problems.push({
      path: `workload ${setup.database.name}`,
      message: "its POSTGRES_PASSWORD is not read from a Secret, so the copy cannot log in without the password passing through Landlord",
      fix: "put the password in a Secret of the namespace and pass it with --database-secret NAME (key password)",
    });
  }
  const overrides = image !== undefined && image.repository !== o.defaultAppImage ? { overrides: { app: { image: image.repository } } } : {};
  const spec = {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name: o.name, annotations: { "landlord.dev/adopted-from": `${setup.cluster}/${setup.namespace}` } },
    spec: {
      displayName: o.name,
      tier: o.tier,
      domains,
      contacts: { email: o.email ?? "" },
      ...(image?.tag !== undefined ? { version: image.tag } : {}),
      ...overrides,
    },
  };
  return { spec, ...(app ? { app } : {}), problems };
}

/** What happens to each Kubernetes part of the existing setup; the cloud part comes from terraform-imports.ts. */
export function kubernetesPlan(setup: ExistingSetup, target: { namespace: string; cluster: string }): PlanItem[] {
  const plan: PlanItem[] = [
    {
      what: `namespace ${setup.namespace}`,
      action: "rename",
      how: `the tenant is built beside it in ${target.namespace} on ${target.cluster}; ${setup.namespace} keeps serving until the switch and is then left running, labelled as adopted, for you to delete once you no longer need the way back`,
    },
  ];
  const app = appWorkload(setup);
  for (const w of setup.workloads) {
    if (w === app) plan.push({ what: `${w.kind.toLowerCase()} ${w.name}`, action: "move", how: `Landlord's app Deployment runs the same image (${w.images[0] ?? ""}) in ${target.namespace}` });
    else if (setup.database?.kind === "postgres" && w.name === setup.database.name) continue;
    else plan.push({ what: `${w.kind.toLowerCase()} ${w.name}`, action: "keep", how: "not part of the app or its database: left as it is" });
  }
  if (setup.database) {
    const db = setup.database;
    plan.push({
      what: `${db.kind === "cloudnative-pg" ? "cluster" : "database"} ${db.name} (${db.host}:${String(db.port)}/${db.database})`,
      action: "move",
      how: `copied into the tenant's CloudNativePG cluster by its import (pg_dump and pg_restore, as ${db.user}); both are fingerprinted (row counts and checksums per table) and the switch waits until they match`,
    });
  }
  for (const i of setup.ingresses) {
    plan.push({ what: `ingress ${i.name} (${i.hosts.join(", ")})`, action: "switch", how: `Landlord's Ingress for the same hosts goes live first, then this one is removed; its manifest is kept in the workflow's record for the way back` });
  }
  return plan;
}
