/** Stored input of the move workflow: the new spec, and where and as what the tenant ran before. */
import { z } from "zod";
import type { WorkflowKind } from "../../store/schema.js";
import { tenantInput } from "./input.js";

/** The workflow kind of a move (docs/adr/0020). */
export const MOVE_KIND: WorkflowKind = "move";

export const placementRecordInput = z.object({
  cluster: z.string().min(1),
  region: z.string(),
  dedicatedCluster: z.boolean(),
  nodePool: z.string().optional(),
  // A tenant moved before reads its archive from here; dropped, the next move would restore from the wrong folder.
  backupServerName: z.string().min(1).optional(),
  sharedCpuMillis: z.string(),
});

export const moveInput = tenantInput.extend({
  /** The source: the spec it was delivered with and its recorded placement, untouched until cut-over. */
  from: z.strictObject({ spec: z.record(z.string(), z.unknown()), placement: placementRecordInput }),
});
export type MoveInput = z.infer<typeof moveInput>;
