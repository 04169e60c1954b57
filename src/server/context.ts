/** What the routes work with: the CLI's runtime (store, engine, delivery) and the server's parts. */
import type { Runtime } from "../app/runtime.js";
import type { RolloutContext } from "../rollout/service.js";
import type { Authenticator } from "./auth.js";
import type { Metrics } from "./metrics.js";
import type { OidcLogin } from "./oidc.js";
import type { EventStreams } from "./sse.js";

export interface ServerContext {
  readonly rt: Runtime;
  readonly auth: Authenticator;
  readonly metrics: Metrics;
  readonly streams: EventStreams;
  /** The rollout runner's store, platform and engine; the leader's workers run its workflows. */
  readonly rollouts: RolloutContext;
  /** A workflow was submitted: wake the runner (a no-op on a replica that is not the leader). */
  readonly submitted: () => void;
  /** Cookies carry the Secure flag (off only for plain-HTTP development, see `serve --insecure-cookies`). */
  readonly secureCookies: boolean;
  /** Login through the OpenID provider of landlord.yaml `serve.oidc`; absent when none is configured. */
  readonly oidc?: OidcLogin;
}
