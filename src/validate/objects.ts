/** Offline validation of rendered objects: built-ins, custom resources and metadata. */
import type { KubeObject } from "../render/object.js";
import { isBuiltin, validateBuiltin } from "./builtin.js";
import type { CrdValidator } from "./crd.js";
import { DNS_LABEL, DNS_SUBDOMAIN, isLabelKey, LABEL_VALUE } from "../spec/k8s-names.js";


/** Kinds whose names must be DNS labels (63), not just subdomains (253). */
const LABEL_NAMED = new Set(["Namespace", "Service"]);

export interface ObjectViolation {
  readonly object: string;
  readonly message: string;
}

export function describeObject(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

function metadataViolations(o: KubeObject): string[] {
  const out: string[] = [];
  const { name, namespace, labels } = o.metadata;
  const nameRule = LABEL_NAMED.has(o.kind) ? DNS_LABEL : DNS_SUBDOMAIN;
  const max = LABEL_NAMED.has(o.kind) ? 63 : 253;
  if (!nameRule.test(name) || name.length > max) out.push(`metadata.name '${name}' is not a valid ${o.kind} name`);
  if (namespace !== undefined && (!DNS_LABEL.test(namespace) || namespace.length > 63)) {
    out.push(`metadata.namespace '${namespace}' is not a valid namespace`);
  }
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key)) out.push(`label key '${key}' is invalid`);
    if (!LABEL_VALUE.test(value) || value.length > 63) out.push(`label ${key}='${value}' has an invalid value`);
  }
  return out;
}

export function validateObjects(objects: readonly KubeObject[], crds?: CrdValidator): ObjectViolation[] {
  const out: ObjectViolation[] = [];
  for (const o of objects) {
    const messages = metadataViolations(o);
    if (isBuiltin(o.apiVersion, o.kind)) messages.push(...validateBuiltin(o));
    else if (crds) messages.push(...crds.validate(o));
    for (const message of messages) out.push({ object: describeObject(o), message });
  }
  return out;
}
