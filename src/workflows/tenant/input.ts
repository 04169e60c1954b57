/** Stored inputs of the tenant workflows. The spec is re-validated by the steps themselves. */
import { z } from "zod";

export const tenantInput = z.strictObject({
  spec: z.record(z.string(), z.unknown()),
  actor: z.string().min(1),
});
export type TenantInput = z.infer<typeof tenantInput>;

export const offboardInput = tenantInput.extend({
  force: z.boolean(),
  retentionDays: z.number().int().min(0),
  /** Final Backups already committed that the operator checked completed by hand (GitOps without cluster access). */
  confirmedBackups: z.array(z.string().min(1)).default([]),
});
export type OffboardInput = z.infer<typeof offboardInput>;
