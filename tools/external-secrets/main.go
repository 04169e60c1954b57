// The External Secrets controller for the real test nodes (docs/adr/0031): upstream's
// SecretStore and ExternalSecret reconcilers from the external-secrets module go.mod pins,
// wired as upstream's cmd/controller wires them, minus what Landlord's tenants never use:
// no ClusterSecretStore, ClusterExternalSecret or (Cluster)PushSecret reconcilers (their
// CRDs are not installed, and a tenant must not reach a cluster-wide store), no generator
// state, no webhook and no cert controller (one served version, v1: nothing to convert).
// Which providers are linked is decided by build.sh's overlay (providers/register.go).
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/external-secrets/external-secrets/apis/generators/v1alpha1"
	ctrlcommon "github.com/external-secrets/external-secrets/pkg/controllers/common"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret/esmetrics"
	ctrlmetrics "github.com/external-secrets/external-secrets/pkg/controllers/metrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/ssmetrics"
	"github.com/external-secrets/external-secrets/pkg/feature"
)

// Reconcilers of upstream's command that this build leaves out. Upstream runs them unless
// told not to, so a Deployment that does not say false expects something this binary does not
// do: refused at start, not ignored (the chart says false with processClusterStore and the like).
var notBuilt = []struct{ flag, value string }{
	{"enable-cluster-store-reconciler", "processClusterStore"},
	{"enable-cluster-external-secret-reconciler", "processClusterExternalSecret"},
	{"enable-cluster-push-secret-reconciler", "processClusterPushSecret"},
	{"enable-push-secret-reconciler", "processPushSecret"},
}

func main() {
	var (
		metricsAddr, controllerClass, logLevel, timeEncoding string
		leaderElection, floodGate                            bool
		concurrent                                           int
		storeRequeue                                         time.Duration
	)
	flags := pflag.NewFlagSet("external-secrets", pflag.ExitOnError)
	// Upstream's names and defaults: the Deployment its chart renders runs this binary unchanged.
	flags.StringVar(&metricsAddr, "metrics-addr", ":8080", "address the metrics endpoint binds to")
	flags.StringVar(&controllerClass, "controller-class", "default", "reconcile only stores of this controller class")
	flags.BoolVar(&leaderElection, "enable-leader-election", false, "one active controller among replicas")
	flags.IntVar(&concurrent, "concurrent", 1, "concurrent reconciles per controller")
	flags.DurationVar(&storeRequeue, "store-requeue-interval", 5*time.Minute, "time between validations of a SecretStore")
	flags.BoolVar(&floodGate, "enable-flood-gate", true, "reconcile an ExternalSecret only while its store is not known to be failing")
	flags.StringVar(&logLevel, "loglevel", "info", "debug, info, warn, error, dpanic, panic or fatal")
	flags.StringVar(&timeEncoding, "zap-time-encoding", "epoch", "epoch, millis, nano, iso8601, rfc3339 or rfc3339nano")
	enabled := make([]*bool, len(notBuilt))
	for i, n := range notBuilt {
		enabled[i] = flags.Bool(n.flag, true, "not built here: must be false")
	}
	for _, f := range feature.Features() {
		flags.AddFlagSet(f.Flags)
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	for i, n := range notBuilt {
		if *enabled[i] {
			fmt.Fprintf(os.Stderr, "external-secrets: this build runs no such reconciler; pass --%s=false (chart value %s: false)\n", n.flag, n.value)
			os.Exit(2)
		}
	}
	var level zapcore.Level
	var encoder zapcore.TimeEncoder
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "external-secrets: --loglevel: %v\n", err)
		os.Exit(2)
	}
	if err := encoder.UnmarshalText([]byte(timeEncoding)); err != nil {
		fmt.Fprintf(os.Stderr, "external-secrets: --zap-time-encoding: %v\n", err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zap.Options{Level: level, TimeEncoder: encoder})))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(esv1.AddToScheme(scheme))
	// The ExternalSecret reconciler decodes generatorRefs with these types even when none is used.
	utilruntime.Must(genv1alpha1.AddToScheme(scheme))

	ctrlmetrics.SetUpLabelNames(false)
	esmetrics.SetUpMetrics()
	ssmetrics.SetUpMetrics()

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:  scheme,
		Metrics: server.Options{BindAddress: metricsAddr},
		// Upstream's defaults: no cache of every Secret in the cluster, only of those it manages.
		Client:           client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
		LeaderElection:   leaderElection,
		LeaderElectionID: "external-secrets-controller",
	})
	if err != nil {
		log.Error(err, "unable to start manager")
		os.Exit(1)
	}
	secretClient, err := ctrlcommon.BuildManagedSecretClient(mgr, "")
	if err != nil {
		log.Error(err, "unable to create managed secret client")
		os.Exit(1)
	}
	opts := controller.Options{MaxConcurrentReconciles: concurrent, RateLimiter: ctrlcommon.BuildRateLimiter()}
	if err := (&secretstore.StoreReconciler{
		Client:          mgr.GetClient(),
		Log:             ctrl.Log.WithName("controllers").WithName("SecretStore"),
		Scheme:          mgr.GetScheme(),
		ControllerClass: controllerClass,
		RequeueInterval: storeRequeue,
	}).SetupWithManager(mgr, opts); err != nil {
		log.Error(err, "unable to create controller", "controller", "SecretStore")
		os.Exit(1)
	}
	if err := (&externalsecret.Reconciler{
		Client:          mgr.GetClient(),
		SecretClient:    secretClient,
		Log:             ctrl.Log.WithName("controllers").WithName("ExternalSecret"),
		Scheme:          mgr.GetScheme(),
		RestConfig:      mgr.GetConfig(),
		ControllerClass: controllerClass,
		RequeueInterval: time.Hour,
		// A namespaced store only: a ClusterSecretStore would let one tenant's
		// ExternalSecret read with the platform's credentials.
		ClusterSecretStoreEnabled: false,
		EnableFloodGate:           floodGate,
	}).SetupWithManager(mgr, opts); err != nil {
		log.Error(err, "unable to create controller", "controller", "ExternalSecret")
		os.Exit(1)
	}
	for _, f := range feature.Features() {
		if f.Initialize != nil {
			f.Initialize()
		}
	}
	log.Info("starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "problem running manager")
		os.Exit(1)
	}
}
