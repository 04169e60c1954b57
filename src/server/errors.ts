/**
 * Every error the API returns has one JSON shape: a code, a message, and for bad input each
 * problem with the field and the fix. Typed core errors map to statuses here, at the edge,
 * as src/cli/exit.ts maps them to exit codes. Messages pass through redaction first.
 */
import { ConflictError, InputError, InterruptedError, LandlordError, NotAllowedError, NotFoundError, ProgrammingError, RetryableError, StoreError, UnavailableError, UpstreamError, WorkflowFailedError, type InputProblem } from "../errors.js";
import { redactSecrets } from "../util/redact.js";

export interface ApiProblem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly problems: readonly ApiProblem[];
  };
}

/** Errors of the HTTP layer itself (no credentials, a wrong CSRF token, too many requests). */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly ApiProblem[] = [],
  ) {
    super(message);
  }
}

const problem = (p: InputProblem): ApiProblem => ({ path: [p.file, p.path].filter((s) => s !== undefined && s !== "").join(": "), message: redactSecrets(p.message), fix: redactSecrets(p.fix) });

/**
 * Retry-After for an outage that names no time: the Kubernetes client has already retried
 * for up to a minute before giving up, so a caller gains nothing by asking again at once.
 */
export const DEFAULT_RETRY_AFTER_S = 30;

export interface ErrorResponse {
  readonly status: number;
  readonly body: ApiErrorBody;
  /** Seconds for the Retry-After header of a 503. */
  readonly retryAfterSeconds?: number;
}

export function errorResponse(err: unknown): ErrorResponse {
  const body = (status: number, code: string, message: string, problems: readonly ApiProblem[] = []) => ({
    status,
    body: { error: { code, message: redactSecrets(message), problems } },
  });
  if (err instanceof HttpError) return body(err.status, err.code, err.message, err.problems);
  if (err instanceof InputError) {
    const n = err.problems.length;
    return body(400, "invalid-input", `${n} problem${n === 1 ? "" : "s"} found, nothing was written`, err.problems.map(problem));
  }
  if (err instanceof NotFoundError) return body(404, "not-found", err.message);
  if (err instanceof ConflictError) return body(409, "conflict", err.message);
  if (err instanceof NotAllowedError) return body(403, "not-allowed", err.message);
  if (err instanceof WorkflowFailedError) return body(409, "workflow-failed", err.message, [{ path: "workflow", message: err.workflowId, fix: `GET /api/v1/workflows/${err.workflowId} for its steps` }]);
  if (err instanceof InterruptedError) return body(503, "interrupted", err.message);
  // The store's own words say what and where, never a password (see StoreError).
  if (err instanceof StoreError) return body(503, "store-unavailable", err.message, [{ path: "store", message: err.target, fix: err.fix }]);
  if (err instanceof ProgrammingError) return body(500, "internal", "an internal error occurred (a bug in Landlord; the server log has the details)");
  // Nothing is wrong with the request: the cluster (or another dependency) is down, or a transient failure outlasted its retries.
  if (err instanceof UnavailableError) return { ...body(503, "unavailable", err.message), retryAfterSeconds: err.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S };
  if (err instanceof RetryableError) return { ...body(503, "unavailable", err.message), retryAfterSeconds: DEFAULT_RETRY_AFTER_S };
  if (err instanceof UpstreamError) return body(502, "upstream-error", err.message);
  if (err instanceof LandlordError) return body(400, "refused", err.message);
  // Fastify's own errors (a malformed JSON body, a body too large) carry a statusCode.
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return body(status, "bad-request", err instanceof Error ? err.message : "bad request", [{ path: "body", message: "could not be read", fix: "send a JSON document with Content-Type: application/json" }]);
  }
  return body(500, "internal", "an internal error occurred (the server log has the details)");
}

export const unauthenticated = () =>
  new HttpError(401, "unauthenticated", "no valid credentials", [
    { path: "Authorization", message: "missing, unknown or revoked token", fix: "send Authorization: Bearer <token>, or log in at POST /api/v1/session" },
  ]);

export const operatorsOnly = () => new HttpError(403, "forbidden", "this action is for operators", [{ path: "Authorization", message: "a tenant token cannot do this", fix: "use an operator token" }]);
