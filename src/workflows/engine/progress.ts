/** Live progress of workflow runs, for a CLI spinner or a portal; listeners cannot break a run. */
import type { WorkflowKind, WorkflowStatus } from "../../store/schema.js";

interface About {
  readonly workflowId: string;
}

export type ProgressEvent =
  | (About & { readonly type: "workflow-started"; readonly kind: WorkflowKind; readonly tenantName: string; readonly run: number })
  | (About & { readonly type: "step-reused"; readonly step: string })
  | (About & { readonly type: "step-started"; readonly step: string; readonly attempt: number; readonly maxAttempts: number })
  | (About & { readonly type: "step-log"; readonly step: string; readonly message: string; readonly data?: unknown })
  | (About & { readonly type: "step-succeeded"; readonly step: string; readonly attempt: number; readonly durationMs: number })
  | (About & {
      readonly type: "step-retrying";
      readonly step: string;
      readonly attempt: number;
      readonly maxAttempts: number;
      readonly delayMs: number;
      readonly error: string;
    })
  | (About & { readonly type: "step-failed"; readonly step: string; readonly attempt: number; readonly error: string })
  | (About & { readonly type: "workflow-finished"; readonly status: WorkflowStatus; readonly error: string | null });

export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressHub {
  subscribe(listener: ProgressListener): () => void;
  emit(event: ProgressEvent, extra?: ProgressListener): void;
}

export function progressHub(): ProgressHub {
  const listeners = new Set<ProgressListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event, extra) {
      for (const l of extra ? [...listeners, extra] : listeners) {
        try {
          l(event);
        } catch {
          // A broken progress display must not fail the workflow it displays.
        }
      }
    },
  };
}
