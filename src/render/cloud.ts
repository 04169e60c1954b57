/**
 * Values that exist only once the tenant's cloud resources do (Terraform outputs). They
 * are inputs to rendering like any other: absent on a first render, filled in after the
 * cloud-resources step, so rendering stays pure.
 */
export interface CloudOutputs {
  /** Client id of the tenant's user-assigned identity (workload identity). */
  readonly identityClientId?: string;
}

export function workloadIdentityAnnotations(cloud: CloudOutputs): Record<string, string> {
  return cloud.identityClientId ? { "azure.workload.identity/client-id": cloud.identityClientId } : {};
}
