package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/controller/acmechallenges"
	"github.com/cert-manager/cert-manager/pkg/controller/acmeorders"
	cracme "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/acme"
	"github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crca "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	crselfsigned "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	certmetrics "github.com/cert-manager/cert-manager/pkg/controller/certificates/metrics"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	"github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	"github.com/cert-manager/cert-manager/pkg/controller/issuers"
	"github.com/cert-manager/cert-manager/pkg/healthz"
	dnsutil "github.com/cert-manager/cert-manager/pkg/issuer/acme/dns/util"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	logsapi "k8s.io/component-base/logs/api/v1"

	// Issuer types the issuers and clusterissuers controllers can set up.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/acme"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The controllers run: everything a Certificate from an ACME, CA or self-signed issuer needs.
// Not run: Vault and Venafi issuers, the ingress and Gateway shims (Landlord renders its
// Certificates itself) and the experimental CertificateSigningRequest signers.
var controllers = []string{
	issuers.ControllerName,
	clusterissuers.ControllerName,
	certmetrics.ControllerName,
	acmeorders.ControllerName,
	acmechallenges.ControllerName,
	approver.ControllerName,
	cracme.CRControllerName,
	crca.CRControllerName,
	crselfsigned.CRControllerName,
	trigger.ControllerName,
	issuing.ControllerName,
	keymanager.ControllerName,
	requestmanager.ControllerName,
	readiness.ControllerName,
	revisionmanager.ControllerName,
}

// controllerFlags are the flags the cert-manager chart's controller Deployment passes with
// its default values, and the HTTP-01 ones a cluster may set through extraArgs; an unknown
// flag is an error, so a chart that starts passing more is noticed.
type controllerFlags struct {
	kubeconfig, clusterResourceNamespace, solverImage string
	solverNameservers                                 []string
	maxConcurrentChallenges                           int
	ownerRef, leaderElect                             bool
	leaderNamespace                                   string
	leaseDuration, renewDeadline, retryPeriod         time.Duration
	metricsAddress, healthzAddress                    string
	logging                                           *logsapi.LoggingConfiguration
}

func parseControllerFlags(args []string) (*controllerFlags, error) {
	f := &controllerFlags{logging: logsapi.NewLoggingConfiguration()}
	fs := pflag.NewFlagSet("controller", pflag.ContinueOnError)
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster configuration when empty")
	fs.StringVar(&f.clusterResourceNamespace, "cluster-resource-namespace", "kube-system", "namespace of the Secrets ClusterIssuers refer to (the ACME account key)")
	fs.StringVar(&f.solverImage, "acme-http01-solver-image", "quay.io/jetstack/cert-manager-acmesolver:"+util.AppVersion, "image of the HTTP-01 solver pods")
	fs.StringSliceVar(&f.solverNameservers, "acme-http01-solver-nameservers", nil, "host:port of DNS servers for the HTTP-01 self check (the pod's resolver when empty)")
	fs.IntVar(&f.maxConcurrentChallenges, "max-concurrent-challenges", 60, "challenges presented at once")
	fs.BoolVar(&f.ownerRef, "enable-certificate-owner-ref", false, "make each Certificate the owner of its Secret")
	fs.BoolVar(&f.leaderElect, "leader-elect", true, "run the controllers only while holding the lease")
	fs.StringVar(&f.leaderNamespace, "leader-election-namespace", "kube-system", "namespace of the lease")
	fs.DurationVar(&f.leaseDuration, "leader-election-lease-duration", 60*time.Second, "lease duration")
	fs.DurationVar(&f.renewDeadline, "leader-election-renew-deadline", 40*time.Second, "renew deadline")
	fs.DurationVar(&f.retryPeriod, "leader-election-retry-period", 15*time.Second, "retry period")
	fs.StringVar(&f.metricsAddress, "metrics-listen-address", "0.0.0.0:9402", "Prometheus metrics")
	fs.StringVar(&f.healthzAddress, "healthz-listen-address", "0.0.0.0:9403", "liveness (/livez)")
	logf.AddFlags(f.logging, fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// The chart passes $(POD_NAMESPACE); the kubelet expands it, a shell run does not.
	if f.clusterResourceNamespace == "$(POD_NAMESPACE)" {
		f.clusterResourceNamespace = os.Getenv("POD_NAMESPACE")
	}
	return f, logf.ValidateAndApply(f.logging)
}

// contextOptions: cert-manager's own defaults where no flag says otherwise.
func contextOptions(f *controllerFlags) controller.ContextOptions {
	return controller.ContextOptions{
		Kubeconfig:         f.kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions:      controller.IssuerOptions{ClusterResourceNamespace: f.clusterResourceNamespace},
		ACMEOptions: controller.ACMEOptions{
			HTTP01SolverImage:                 f.solverImage,
			HTTP01SolverResourceRequestCPU:    resource.MustParse("10m"),
			HTTP01SolverResourceRequestMemory: resource.MustParse("64Mi"),
			HTTP01SolverResourceLimitsCPU:     resource.MustParse("100m"),
			HTTP01SolverResourceLimitsMemory:  resource.MustParse("64Mi"),
			ACMEHTTP01SolverRunAsNonRoot:      true,
			HTTP01SolverNameservers:           f.solverNameservers,
			DNS01Nameservers:                  dnsutil.RecursiveNameservers,
			DNS01CheckRetryPeriod:             10 * time.Second,
			DNS01CheckAuthoritative:           true,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: f.maxConcurrentChallenges},
		CertificateOptions: controller.CertificateOptions{
			EnableOwnerRef:                           f.ownerRef,
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	}
}

func runController(ctx context.Context, args []string) error {
	f, err := parseControllerFlags(args)
	if err != nil {
		return err
	}
	log := logf.FromContext(ctx)
	log.Info("starting cert-manager controller", "version", util.AppVersion, "controllers", controllers)
	factory, err := controller.NewContextFactory(ctx, contextOptions(f))
	if err != nil {
		return err
	}
	cmctx, err := factory.Build()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)

	cmctx.Metrics.SetupACMECollector(cmctx.SharedInformerFactory.Acme().V1().Challenges().Lister())
	cmctx.Metrics.SetupCertificateCollector(cmctx.SharedInformerFactory.Certmanager().V1().Certificates().Lister())
	cmctx.Metrics.SetupIssuerCollector(cmctx.SharedInformerFactory.Certmanager().V1().Issuers().Lister())
	cmctx.Metrics.SetupClusterIssuerCollector(cmctx.SharedInformerFactory.Certmanager().V1().ClusterIssuers().Lister())
	metricsLn, err := (&net.ListenConfig{}).Listen(ctx, "tcp", f.metricsAddress)
	if err != nil {
		return fmt.Errorf("metrics address %s: %w", f.metricsAddress, err)
	}
	metrics := cmctx.Metrics.NewServer(metricsLn)
	g.Go(func() error {
		if err := metrics.Serve(metricsLn); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		return metrics.Shutdown(shutdown)
	})
	healthLn, err := (&net.ListenConfig{}).Listen(ctx, "tcp", f.healthzAddress)
	if err != nil {
		return fmt.Errorf("healthz address %s: %w", f.healthzAddress, err)
	}
	health := healthz.NewServer(20 * time.Second)
	g.Go(func() error { return health.Start(ctx, healthLn) })

	leading := make(chan struct{})
	if f.leaderElect {
		g.Go(func() error { return lead(ctx, factory, f, health, leading) })
	} else {
		close(leading)
	}
	select {
	case <-ctx.Done():
		return g.Wait()
	case <-leading:
	}
	known := controller.Known()
	for _, name := range controllers {
		construct, ok := known[name]
		if !ok {
			cancel()
			_ = g.Wait()
			return fmt.Errorf("controller %s is not registered by the cert-manager module", name)
		}
		c, err := construct(factory)
		if err != nil {
			cancel()
			_ = g.Wait()
			return fmt.Errorf("controller %s: %w", name, err)
		}
		g.Go(func() error { return c.Run(5, ctx) })
	}
	for n := range known {
		if !slices.Contains(controllers, n) {
			log.V(logf.DebugLevel).Info("not run", "controller", n)
		}
	}
	// Informers start after every controller has registered what it watches.
	cmctx.SharedInformerFactory.Start(ctx.Done())
	cmctx.KubeSharedInformerFactory.Start(ctx.Done())
	cmctx.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	err = g.Wait()
	cmctx.HTTP01ResourceMetadataInformersFactory.Shutdown()
	cmctx.KubeSharedInformerFactory.Shutdown()
	cmctx.SharedInformerFactory.Shutdown()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// lead holds the controller's lease (the name upstream's controller uses, so a second
// cert-manager in the cluster never runs beside this one) and returns an error when it is lost.
func lead(ctx context.Context, factory *controller.ContextFactory, f *controllerFlags, health *healthz.Server, leading chan<- struct{}) error {
	lctx, err := factory.Build("leader-election")
	if err != nil {
		return err
	}
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	lock, err := resourcelock.NewWithLabels(resourcelock.LeasesResourceLock, f.leaderNamespace, "cert-manager-controller",
		lctx.Client.CoreV1(), lctx.Client.CoordinationV1(),
		resourcelock.ResourceLockConfig{Identity: host + "-external-cert-manager-controller", EventRecorder: lctx.Recorder},
		map[string]string{"app.kubernetes.io/managed-by": "cert-manager"})
	if err != nil {
		return err
	}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   f.leaseDuration,
		RenewDeadline:   f.renewDeadline,
		RetryPeriod:     f.retryPeriod,
		ReleaseOnCancel: true,
		WatchDog:        health.LeaderHealthzAdaptor,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { close(leading) },
			OnStoppedLeading: func() {},
		},
	})
	if err != nil {
		return err
	}
	elector.Run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("leader election lost")
}
