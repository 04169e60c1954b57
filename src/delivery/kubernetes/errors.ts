/** What the API server said, kept structured so callers can tell denial from conflict from outage. */
import { LandlordError, UnavailableError, UpstreamError } from "../../errors.js";

export interface StatusCause {
  /** e.g. FieldManagerConflict, FieldValueInvalid. */
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** A 4xx/5xx answer: HTTP status, the Status reason and message, the causes. */
export class KubeApiError extends UpstreamError {
  override readonly name = "KubeApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly detail: string,
    readonly causes: readonly StatusCause[],
    /** METHOD path, for the message. */
    readonly request: string,
  ) {
    super(`${request}: ${String(status)} ${reason}: ${detail}`);
  }
}

/** Fields another manager owns; applying would take them over only with force. */
export class FieldConflictError extends LandlordError {
  override readonly name = "FieldConflictError";
  constructor(
    readonly object: string,
    readonly conflicts: readonly { readonly field: string; readonly manager: string }[],
  ) {
    super(
      `${object}: fields owned by another field manager: ${conflicts.map((c) => `${c.field} (manager ${c.manager})`).join(", ")}; ` +
        "take them over with delivery.kubernetes.forceConflicts: true in landlord.yaml, or undo that manager's changes (see kubectl get -o yaml --show-managed-fields)",
    );
  }
}

/** The API server (an admission plugin or policy, or validation) refused the object. */
export class AdmissionDeniedError extends LandlordError {
  override readonly name = "AdmissionDeniedError";
  constructor(
    readonly object: string,
    readonly reason: string,
    readonly fields: readonly string[],
  ) {
    super(`${object} was refused by the API server: ${reason}${fields.length > 0 ? ` (fields: ${fields.join(", ")})` : ""}`);
  }
}

/** The API server could not be reached or kept failing after retries. */
export class ClusterUnavailableError extends UnavailableError {
  override readonly name = "ClusterUnavailableError";
}

/** A context or cluster named in landlord.yaml is not in the kubeconfig. */
export class KubeconfigError extends LandlordError {
  override readonly name = "KubeconfigError";
}

/** Parses "conflict with \"kubectl-edit\" using v1: .spec.hard.pods" causes into field + manager. */
export function conflictsOf(err: KubeApiError): { field: string; manager: string }[] {
  return err.causes
    .filter((c) => c.reason === "FieldManagerConflict")
    .map((c) => {
      const manager = /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1] ?? "unknown";
      return { field: c.field ?? "(unknown field)", manager };
    });
}

/** The target cluster lacks the platform's admission guardrails: nothing is delivered there. */
export class GuardrailsMissingError extends LandlordError {
  override readonly name = "GuardrailsMissingError";
}
