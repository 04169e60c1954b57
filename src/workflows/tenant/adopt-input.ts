/** The stored input of an adoption: the tenant spec, the existing setup it takes over, and the Terraform imports. */
import { z } from "zod";
import { tenantInput } from "./input.js";

import type { WorkflowKind } from "../../store/index.js";

export const ADOPT_KIND: WorkflowKind = "adopt";

export const adoptSource = z.strictObject({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  database: z.strictObject({
    kind: z.enum(["cloudnative-pg", "postgres"]),
    name: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    database: z.string().min(1),
    user: z.string().min(1),
    passwordSecret: z.strictObject({ name: z.string().min(1), key: z.string().min(1) }),
  }),
  /** Its Ingresses, removed at the switch once the tenant's own serves the same hosts. */
  ingresses: z.array(z.string().min(1)),
});
export type AdoptSource = z.infer<typeof adoptSource>;

export const adoptInput = tenantInput.extend({
  source: adoptSource,
  imports: z.array(z.strictObject({ to: z.string().min(1), id: z.string().min(1) })).default([]),
  /** How long both Ingresses serve the hosts before the old one goes: ingress controllers load new routes with a delay (Traefik throttles reloads to every 2 s). */
  switchSettleSeconds: z.number().int().min(0).max(600).default(5),
});
export type AdoptInput = z.infer<typeof adoptInput>;
