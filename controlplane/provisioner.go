package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

// nodeLocal provisions a claim as a `local` PersistentVolume in a folder of the node the
// scheduler picked (the storage class binds WaitForFirstConsumer): the real nodes share this
// machine, so the folder is made here, and the kubelet of that node mounts it. The claim's
// size is recorded, not enforced, as with any host-path storage.
type nodeLocal struct {
	root string
}

func (p nodeLocal) dir(node, pv string) string {
	return filepath.Join(p.root, node, pv)
}

func (p nodeLocal) Provision(_ context.Context, o controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	if o.SelectedNodeName == "" {
		return nil, controller.ProvisioningFinished, fmt.Errorf("claim %s/%s has no selected node: its storage class must bind WaitForFirstConsumer", o.PVC.Namespace, o.PVC.Name)
	}
	if o.PVC.Spec.DataSourceRef != nil || o.PVC.Spec.DataSource != nil {
		return nil, controller.ProvisioningFinished, &controller.IgnoredError{Reason: "node-local volumes cannot be cloned or restored from snapshots"}
	}
	path := p.dir(o.SelectedNodeName, o.PVName)
	// Pods of any user write here (PostgreSQL runs as 26): the pod's fsGroup is not applied to local volumes.
	if err := os.MkdirAll(path, 0o777); err != nil {
		return nil, controller.ProvisioningInBackground, err
	}
	if err := os.Chmod(path, 0o777); err != nil {
		return nil, controller.ProvisioningInBackground, err
	}
	reclaim := v1.PersistentVolumeReclaimDelete
	if o.StorageClass.ReclaimPolicy != nil {
		reclaim = *o.StorageClass.ReclaimPolicy
	}
	mode := v1.PersistentVolumeFilesystem
	return &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: o.PVName, Annotations: map[string]string{"landlord.dev/node-local-path": path}},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   o.PVC.Spec.AccessModes,
			VolumeMode:                    &mode,
			MountOptions:                  o.StorageClass.MountOptions,
			Capacity:                      v1.ResourceList{v1.ResourceStorage: o.PVC.Spec.Resources.Requests[v1.ResourceStorage]},
			PersistentVolumeSource:        v1.PersistentVolumeSource{Local: &v1.LocalVolumeSource{Path: path}},
			NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{
				MatchExpressions: []v1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: v1.NodeSelectorOpIn, Values: []string{o.SelectedNodeName}}},
			}}}},
		},
	}, controller.ProvisioningFinished, nil
}

func (p nodeLocal) Delete(_ context.Context, pv *v1.PersistentVolume) error {
	if pv.Spec.Local == nil {
		return &controller.IgnoredError{Reason: "not a node-local volume"}
	}
	path := filepath.Clean(pv.Spec.Local.Path)
	// Only what this provisioner made: a folder two levels under its root.
	if rel, err := filepath.Rel(p.root, path); err != nil || strings.HasPrefix(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 {
		return fmt.Errorf("volume %s: %s is not under %s; left alone", pv.Name, path, p.root)
	}
	return os.RemoveAll(path)
}

// runProvisioner serves a storage class's claims with node-local volumes
// (`node-local-provisioner --kubeconfig K --root DIR [--name landlord.dev/node-local]`).
func runProvisioner() {
	fs := flag.NewFlagSet("node-local-provisioner", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster")
	root := fs.String("root", "", "folder holding one folder per node for its volumes")
	name := fs.String("name", "landlord.dev/node-local", "provisioner name storage classes refer to")
	_ = fs.Parse(os.Args[1:])
	if *kubeconfig == "" || *root == "" {
		fmt.Fprintln(os.Stderr, "usage: node-local-provisioner --kubeconfig FILE --root DIR [--name NAME]")
		os.Exit(2)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Fatalf("client: %v", err)
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		klog.Fatalf("root: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	pc := controller.NewProvisionController(ctx, client, *name, nodeLocal{root: absRoot}, controller.LeaderElection(false), controller.Threadiness(2))
	pc.Run(ctx)
}
