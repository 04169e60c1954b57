/**
 * Storage of the real nodes: claims of the default class become `local` volumes in a folder
 * of the node the scheduler picked, made by the control plane binary's node-local
 * provisioner (sig-storage-lib-external-provisioner). The class is called `default`, as AKS's
 * default class is, so bundles that name no class get it as they would on AKS.
 */
import type { KubeObject } from "../render/object.js";

export const NODE_LOCAL_PROVISIONER = "landlord.dev/node-local";
export const DEFAULT_STORAGE_CLASS = "default";

export function clusterStorageObjects(): KubeObject[] {
  return [
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: NODE_LOCAL_PROVISIONER,
      // The volume lives on one node: the pod is placed first, the volume follows it.
      volumeBindingMode: "WaitForFirstConsumer",
      reclaimPolicy: "Delete",
    } as unknown as KubeObject,
  ];
}
