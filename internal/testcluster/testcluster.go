// Package testcluster starts a real etcd, kube-apiserver and
// kube-controller-manager on loopback ports for tests, and stops them
// afterwards, also when a test fails or the test binary dies. The binaries
// come from hack/testbin (make testbin), built from pinned modules.
package testcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Cluster is a running test cluster.
type Cluster struct {
	// Dir holds the cluster's data, certificates and logs.
	Dir string
	// URL is the API server's address (https://127.0.0.1:PORT).
	URL string
	// EtcdURL is etcd's client address on loopback: http:// with
	// EtcdPlain, https:// otherwise.
	EtcdURL string
	// EtcdHTTPURL is set with Options.EtcdSeparateHTTP: the address of
	// etcd's HTTP endpoints, EtcdURL then serving gRPC alone.
	EtcdHTTPURL string
	// EtcdPeerURL is etcd's peer address, with the same scheme and the
	// same client certificate requirement as EtcdURL.
	EtcdPeerURL string
	// EtcdDataDir is etcd's data folder.
	EtcdDataDir string
	// EtcdSecurity is how etcd serves clients and peers.
	EtcdSecurity EtcdSecurity
	// EtcdCAFile is the CA of etcd's server certificate and, with
	// EtcdMutualTLS, of the client certificates it accepts (empty with
	// EtcdPlain).
	EtcdCAFile string
	// EtcdAPIServerCert is the client certificate the API server presents
	// to etcd (empty with EtcdPlain): the right one for tests.
	EtcdAPIServerCert ClientCert
	// Version is the API server's reported version, e.g. v1.37.2.
	Version string

	ca      *ca
	etcdCA  *ca
	procs   []*exec.Cmd
	logs    []*os.File
	stopped sync.Once
	mu      sync.Mutex

	// The API server's process (an index into procs) and its flags
	// before Options.APIServerArgs, for RestartAPIServer.
	apiIndex    int
	apiBaseArgs []string
	admin       *kubernetes.Clientset
}

// Options tune a cluster.
type Options struct {
	// Controllers run in kube-controller-manager; the default set fills
	// aggregated ClusterRoles, deletes namespaces and creates default
	// ServiceAccounts, without which the API server disagrees with every
	// real cluster.
	Controllers []string
	// StartTimeout bounds the whole start.
	StartTimeout time.Duration
	// APIServerArgs are extra kube-apiserver flags (an audit policy, say).
	APIServerArgs []string
	// Etcd is how etcd serves clients and peers: plain HTTP (the default),
	// TLS, or TLS with client certificate authentication. The API server
	// gets the matching --etcd-cafile, --etcd-certfile and --etcd-keyfile.
	Etcd EtcdSecurity
	// EtcdSeparateHTTP moves etcd's HTTP endpoints (/version, /health,
	// /metrics) to a URL of their own (--listen-client-http-urls), so that
	// EtcdURL serves gRPC alone, as some installations run it.
	EtcdSeparateHTTP bool
	// NoControllerManager starts etcd and the API server alone (tests of
	// storage need no controllers, and start faster without them).
	NoControllerManager bool
}

// DefaultControllers is the controller set a test cluster runs.
var DefaultControllers = []string{"clusterrole-aggregation-controller", "namespace-controller", "serviceaccount-controller", "serviceaccount-token-controller", "garbage-collector-controller"}

// BinDir returns the folder with the test binaries, building them (once,
// cached outside the repository) when needed. RAMPART_TESTBIN overrides it.
func BinDir() (string, error) {
	if d := os.Getenv("RAMPART_TESTBIN"); d != "" {
		return d, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("bash", filepath.Join(root, "hack", "testbin", "build.sh")) // #nosec G204 -- our own build script
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("building the test binaries (make testbin): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "hack", "testbin", "build.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (hack/testbin/build.sh)")
		}
		dir = parent
	}
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts etcd, the API server and the controller manager. Call Stop
// when done (Start stops everything itself when it fails).
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 2 * time.Minute
	}
	if opts.Controllers == nil {
		opts.Controllers = DefaultControllers
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rampart-testcluster-")
	if err != nil {
		return nil, err
	}
	c = &Cluster{Dir: dir}
	// The error returns below set c to nil: clean up through a copy.
	started := c
	defer func() {
		if err != nil {
			started.Stop()
		}
	}()
	if c.ca, err = newCA(); err != nil {
		return nil, err
	}
	caFile := filepath.Join(dir, "ca.crt")
	if err := writeFile(caFile, c.ca.pem); err != nil {
		return nil, err
	}
	servingCert, servingKey, err := c.ca.issue("kube-apiserver", nil, true)
	if err != nil {
		return nil, err
	}
	certFile, keyFile := filepath.Join(dir, "apiserver.crt"), filepath.Join(dir, "apiserver.key")
	if err := writeFile(certFile, servingCert); err != nil {
		return nil, err
	}
	if err := writeFile(keyFile, servingKey); err != nil {
		return nil, err
	}
	saPub, saKey, err := serviceAccountKey(dir)
	if err != nil {
		return nil, err
	}

	// etcd
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	etcdArgs, etcdClientArgs, err := c.etcdArgs(opts.Etcd, clientPort, peerPort)
	if err != nil {
		return nil, err
	}
	healthURL := c.EtcdURL
	if opts.EtcdSeparateHTTP {
		httpPort, err := freePort()
		if err != nil {
			return nil, err
		}
		c.EtcdHTTPURL = strings.Replace(c.EtcdURL, ":"+strconv.Itoa(clientPort), ":"+strconv.Itoa(httpPort), 1)
		etcdArgs = append(etcdArgs, "--listen-client-http-urls="+c.EtcdHTTPURL)
		healthURL = c.EtcdHTTPURL
	}
	if err := c.run(filepath.Join(bin, "etcd"), "etcd", etcdArgs...); err != nil {
		return nil, err
	}
	healthClient, err := c.etcdHealthClient()
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, healthClient, healthURL+"/health"); err != nil {
		return nil, fmt.Errorf("etcd did not become healthy: %w (log: %s)", err, filepath.Join(dir, "etcd.log"))
	}

	// kube-apiserver
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	c.URL = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	apiArgs := append(etcdClientArgs,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+certFile, "--tls-private-key-file="+keyFile,
		"--client-ca-file="+caFile,
		"--authorization-mode=RBAC", "--anonymous-auth=false",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+saPub, "--service-account-signing-key-file="+saKey,
		"--service-cluster-ip-range=10.96.0.0/16", "--allow-privileged=true",
		"--cert-dir="+filepath.Join(dir, "apiserver-certs"),
	)
	c.apiBaseArgs = apiArgs
	if err := c.startAPIServer(ctx, bin, opts.APIServerArgs); err != nil {
		return nil, err
	}
	if v, err := c.admin.Discovery().ServerVersion(); err == nil {
		c.Version = v.GitVersion
	}
	if opts.NoControllerManager {
		return c, nil
	}

	// kube-controller-manager
	kubeconfig := filepath.Join(dir, "admin.kubeconfig")
	if err := c.WriteKubeconfig(kubeconfig, "rampart-test-admin", "system:masters"); err != nil {
		return nil, err
	}
	cmPort, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := c.run(filepath.Join(bin, "kube-controller-manager"), "kube-controller-manager",
		"--kubeconfig="+kubeconfig, "--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(cmPort),
		"--controllers="+strings.Join(opts.Controllers, ","),
		"--service-account-private-key-file="+saKey, "--root-ca-file="+caFile,
		"--authentication-skip-lookup=true",
	); err != nil {
		return nil, err
	}
	return c, nil
}

// startAPIServer starts kube-apiserver with its base flags and extra,
// and waits until it is ready.
func (c *Cluster) startAPIServer(ctx context.Context, bin string, extra []string) error {
	args := append(slices.Clone(c.apiBaseArgs), extra...)
	c.mu.Lock()
	c.apiIndex = len(c.procs)
	c.mu.Unlock()
	if err := c.run(filepath.Join(bin, "kube-apiserver"), "kube-apiserver", args...); err != nil {
		return err
	}
	if c.admin == nil {
		admin, err := c.UserConfig("rampart-test-admin", "system:masters")
		if err != nil {
			return err
		}
		if c.admin, err = kubernetes.NewForConfig(admin); err != nil {
			return err
		}
	}
	if err := waitReady(ctx, c.admin); err != nil {
		return fmt.Errorf("kube-apiserver did not become ready: %w (log: %s)", err, filepath.Join(c.Dir, "kube-apiserver.log"))
	}
	return nil
}

// RestartAPIServer stops the API server and starts it again on the same
// address and against the same etcd, with its base flags and extraArgs
// (in place of Options.APIServerArgs): a new encryption configuration,
// say. It returns once the new server is ready.
func (c *Cluster) RestartAPIServer(ctx context.Context, extraArgs ...string) error {
	bin, err := BinDir()
	if err != nil {
		return err
	}
	c.mu.Lock()
	old := c.procs[c.apiIndex]
	c.mu.Unlock()
	_ = syscall.Kill(-old.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = old.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-old.Process.Pid, syscall.SIGKILL)
		<-done
	}
	waitPortClosed(strings.TrimPrefix(c.URL, "https://"))
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return c.startAPIServer(ctx, bin, extraArgs)
}

// run starts a component with its output in DIR/NAME.log. The component
// is killed if the test process dies (Pdeathsig), so nothing outlives a
// crashed or timed-out test.
func (c *Cluster) run(bin, name string, args ...string) error {
	// Appended to, so that a restarted component's earlier log stays.
	logFile, err := os.OpenFile(filepath.Join(c.Dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600) // #nosec G304 -- a file in our own temp dir
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...) // #nosec G204 -- our own test binaries with our own flags
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c.mu.Lock()
	c.procs = append(c.procs, cmd)
	c.logs = append(c.logs, logFile)
	c.mu.Unlock()
	return nil
}

// Stop kills every component and removes the cluster's folder. It is safe
// to call more than once.
func (c *Cluster) Stop() {
	c.stopped.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i := len(c.procs) - 1; i >= 0; i-- {
			p := c.procs[i]
			if p.ProcessState != nil {
				continue // already waited for (a restarted API server)
			}
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		for _, l := range c.logs {
			_ = l.Close()
		}
		if os.Getenv("RAMPART_KEEP_TESTCLUSTER") == "" {
			_ = os.RemoveAll(c.Dir)
		}
	})
}

// UserConfig returns a client configuration that authenticates as user,
// member of groups, with a client certificate signed by the cluster's CA:
// the API server authorizes it like any real user.
func (c *Cluster) UserConfig(user string, groups ...string) (*rest.Config, error) {
	certPEM, keyPEM, err := c.ca.issue(user, groups, false)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host:            c.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.ca.pem, CertData: certPEM, KeyData: keyPEM},
		QPS:             200, Burst: 400,
	}, nil
}

// Client returns a clientset for user and groups.
func (c *Cluster) Client(user string, groups ...string) (*kubernetes.Clientset, error) {
	cfg, err := c.UserConfig(user, groups...)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// Admin returns a clientset with cluster-admin rights (group system:masters).
func (c *Cluster) Admin() (*kubernetes.Clientset, error) {
	return c.Client("rampart-test-admin", "system:masters")
}

// WriteKubeconfig writes a kubeconfig file for user and groups, as a user
// of rampart would have.
func (c *Cluster) WriteKubeconfig(path, user string, groups ...string) error {
	cfg, err := c.UserConfig(user, groups...)
	if err != nil {
		return err
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: c.URL, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: user}
	kc.CurrentContext = "test"
	return clientcmd.WriteToFile(*kc, path)
}

func waitHTTP(ctx context.Context, client *http.Client, url string) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func waitReady(ctx context.Context, client *kubernetes.Clientset) error {
	var last error
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// StopAPIServer kills the API server alone (for fault tests) and returns
// once its port refuses connections, so a test knows the server is gone
// rather than dying.
func (c *Cluster) StopAPIServer() {
	c.mu.Lock()
	if c.apiIndex == 0 || c.apiIndex >= len(c.procs) {
		c.mu.Unlock()
		return
	}
	p := c.procs[c.apiIndex]
	c.mu.Unlock()
	_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
	waitPortClosed(strings.TrimPrefix(c.URL, "https://"))
}

func waitPortClosed(addr string) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		_ = conn.Close()
	}
}

// Pids lists the running component processes (for tests of the cleanup).
func (c *Cluster) Pids() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, p := range c.procs {
		if p.ProcessState == nil {
			out = append(out, p.Process.Pid)
		}
	}
	return out
}
