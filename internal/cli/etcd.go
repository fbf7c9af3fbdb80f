package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/checks/all"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/etcd"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func newEtcdCommand(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "etcd",
		Short: "Prove live how etcd is protected: TLS, client certificates, encryption at rest",
		Long: `The etcd commands check live what the configuration checks read from flags.
They only read: a GET of /version for the probe, keys and the first bytes
of values for the encryption scan. No stored value is ever printed or kept.`,
	}
	cmd.AddCommand(newEtcdProbeCommand(streams), newEtcdEncryptionCommand(streams))
	return cmd
}

// etcdOutputFlags are the output and policy flags of the etcd commands,
// as rampart scan has them.
type etcdOutputFlags struct {
	Output         string
	FailOn         string
	NoColor        bool
	ConfigFile     string
	BaselineFile   string
	ShowSuppressed bool

	threshold finding.Severity
	cfg       *config.Config
	baseline  map[string]bool
}

func (f *etcdOutputFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&f.Output, "output", "o", "table", "output format: "+strings.Join(report.Formats, ", "))
	fs.StringVar(&f.FailOn, "fail-on", "", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or none (default high, or failOn in the config)")
	fs.BoolVar(&f.NoColor, "no-color", false, "never colour the table output")
	fs.StringVar(&f.ConfigFile, "config", "", "config file with ignore rules (default .rampart.yaml when present)")
	fs.StringVar(&f.BaselineFile, "baseline", "", "earlier JSON report: report only findings not in it")
	fs.BoolVar(&f.ShowSuppressed, "show-suppressed", false, "list suppressed findings in the table output")
}

func (f *etcdOutputFlags) validate() error {
	if !contains(report.Formats, f.Output) {
		return fmt.Errorf("--output %q: want one of %s", f.Output, strings.Join(report.Formats, ", "))
	}
	var err error
	if f.ConfigFile != "" {
		f.cfg, err = config.Load(f.ConfigFile)
	} else {
		f.cfg, err = config.LoadDefault()
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	failOn := f.FailOn
	if failOn == "" {
		failOn = f.cfg.FailOn
	}
	if failOn == "" {
		failOn = "high"
	}
	if failOn != "none" {
		if f.threshold, err = finding.ParseSeverity(failOn); err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
	}
	if f.BaselineFile != "" {
		if f.baseline, err = finding.LoadBaseline(f.BaselineFile); err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
	}
	return nil
}

// applyPolicy marks the findings the config's ignore rules or the
// baseline suppress (never dropping them).
func (f *etcdOutputFlags) applyPolicy(rep *finding.Report) {
	pol := finding.Policy{Baseline: f.baseline, Now: time.Now()}
	if f.cfg != nil {
		for _, r := range f.cfg.Ignore {
			pol.Rules = append(pol.Rules, finding.IgnoreRule{Check: r.Check, Kind: r.Kind, Namespace: r.Namespace,
				Name: r.Name, Labels: r.Labels, Reason: r.Reason, Expires: r.Expires})
		}
	}
	rep.Warnings = append(rep.Warnings, pol.Apply(rep.Findings, func(*finding.Finding) finding.Target { return finding.Target{} })...)
}

// etcdTLSFlags are the client certificate flags, as etcdctl names them.
type etcdTLSFlags struct {
	CACert, Cert, Key string
}

func (f *etcdTLSFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.CACert, "cacert", "", "CA bundle that signed etcd's server certificate")
	fs.StringVar(&f.Cert, "cert", "", "client certificate to present to etcd (with --key)")
	fs.StringVar(&f.Key, "key", "", "key of the client certificate")
}

func (f *etcdTLSFlags) validate() error {
	if (f.Cert == "") != (f.Key == "") {
		return errors.New("--cert and --key go together")
	}
	return nil
}

func (f *etcdTLSFlags) load() (roots *x509.CertPool, cert *tls.Certificate, err error) {
	if f.CACert != "" {
		pem, err := os.ReadFile(f.CACert)
		if err != nil {
			return nil, nil, fmt.Errorf("--cacert: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("--cacert %s: no PEM certificate in it", f.CACert)
		}
	}
	if f.Cert != "" {
		pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("--cert/--key: %w", err)
		}
		cert = &pair
	}
	return roots, cert, nil
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// EtcdProbeOptions are the flags of `rampart etcd probe`.
type EtcdProbeOptions struct {
	Endpoints []string
	PeerURLs  []string
	Timeout   time.Duration
	TLS       etcdTLSFlags
	Out       etcdOutputFlags

	streams IOStreams
}

func newEtcdProbeCommand(streams IOStreams) *cobra.Command {
	o := &EtcdProbeOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "probe --endpoints URL[,URL]",
		Short: "Does etcd answer plain HTTP, or TLS without a client certificate? Are its peer ports open?",
		Long: `Probe sends GET /version to each etcd endpoint three ways: on plain HTTP, over
TLS without a client certificate, and (with --cert/--key) over TLS with the
given certificate. It classifies each on what etcd answers: under TLS 1.3 a
server that requires a client certificate lets the handshake complete and
refuses on the first read, so the probe always reads an answer. Where the
client port serves gRPC alone (--listen-client-http-urls), the probe asks
Maintenance.Status in gRPC instead.

Findings: etcd/plaintext-client, etcd/no-client-cert-auth, and for --peer-urls
etcd/peer-plaintext, etcd/peer-no-client-cert-auth. Endpoints that cannot be
reached are reported as skipped, never as passing.

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage errors, or a given client certificate that etcd refused.`,
		Example: `  rampart etcd probe --endpoints https://10.0.0.5:2379 --peer-urls https://10.0.0.5:2380
  rampart etcd probe --endpoints https://10.0.0.5:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt \
    --cert /etc/kubernetes/pki/apiserver-etcd-client.crt --key /etc/kubernetes/pki/apiserver-etcd-client.key`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.Validate(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run(context.Background())
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Endpoints, "endpoints", nil, "etcd client URLs (comma-separated or repeated), e.g. https://10.0.0.5:2379")
	f.StringSliceVar(&o.PeerURLs, "peer-urls", nil, "etcd peer URLs to probe as well, e.g. https://10.0.0.5:2380")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Second, "bound of each attempt")
	o.TLS.addFlags(f)
	o.Out.addFlags(f)
	return cmd
}

// Validate checks the flags.
func (o *EtcdProbeOptions) Validate() error {
	o.Endpoints, o.PeerURLs = splitList(o.Endpoints), splitList(o.PeerURLs)
	if len(o.Endpoints)+len(o.PeerURLs) == 0 {
		return errors.New("give --endpoints (and/or --peer-urls)")
	}
	if o.Timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	if err := o.TLS.validate(); err != nil {
		return err
	}
	return o.Out.validate()
}

// Run probes and renders.
func (o *EtcdProbeOptions) Run(ctx context.Context) error {
	roots, cert, err := o.TLS.load()
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	res := etcd.Probe(ctx, etcd.ProbeOptions{Endpoints: o.Endpoints, PeerURLs: o.PeerURLs, RootCAs: roots, ClientCert: cert, Timeout: o.Timeout})
	rep := &finding.Report{Findings: res.Findings, Errors: res.Errors, Skipped: res.Skipped}
	return writeEtcdReport(o.streams, &o.Out, rep, len(res.Endpoints), map[string]any{"probe": res}, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ENDPOINT\tROLE\tTRY\tOUTCOME\tANSWER")
		for _, e := range res.Endpoints {
			for _, a := range e.Attempts {
				answer := a.Answer
				if a.Handshake != nil {
					answer = "handshake " + a.Handshake.Version + " done; then " + answer
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Endpoint, e.Role, a.Try, a.Outcome, answer)
			}
		}
		_ = tw.Flush()
		for _, e := range res.Endpoints {
			fmt.Fprintf(w, "%s (%s): %s\n", e.Endpoint, e.Role, e.Verdict)
		}
		fmt.Fprintln(w)
	})
}

// EtcdEncryptionOptions are the flags of `rampart etcd encryption`.
type EtcdEncryptionOptions struct {
	Endpoints        []string
	Prefix           string
	Resources        []string
	EncryptionConfig string
	Timeout          time.Duration
	BatchSize        int64
	Kubeconfig       string
	Context          string
	TLS              etcdTLSFlags
	Out              etcdOutputFlags

	streams     IOStreams
	readMetrics bool
}

func newEtcdEncryptionCommand(streams IOStreams) *cobra.Command {
	o := &EtcdEncryptionOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "encryption --endpoints URL --cacert FILE --cert FILE --key FILE",
		Short: "How are Secrets (and other resources) encrypted at rest in etcd?",
		Long: `Encryption lists the keys under <prefix>/<resource>/ (keys only, page by page)
and reads only the first bytes of each value, in small batches at one etcd
revision, to classify how each object is stored: plain (protobuf, JSON,
CBOR), aescbc, aesgcm, secretbox, kms v1 or kms v2, with the key's name. It
never prints or keeps a value.

With --encryption-config (the API server's EncryptionConfiguration), objects
are judged against it: stored under a key that is no longer first
(encryption/rotation-incomplete, each object named), or under one it does not
list (encryption/key-not-in-config). Secrets stored in plain text are
encryption/secrets-unencrypted, counted per namespace.

With --kubeconfig or --context, the API server's /metrics are read as well:
apiserver_storage_transformation_operations_total says which transformers it
writes and reads each resource with. --endpoints may then be left out.`,
		Example: `  rampart etcd encryption --endpoints https://127.0.0.1:2379 \
    --cacert /etc/kubernetes/pki/etcd/ca.crt \
    --cert /etc/kubernetes/pki/apiserver-etcd-client.crt --key /etc/kubernetes/pki/apiserver-etcd-client.key \
    --encryption-config /etc/kubernetes/enc/config.yaml
  rampart etcd encryption --kubeconfig ~/.kube/config -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.readMetrics = cmd.Flags().Changed("kubeconfig") || cmd.Flags().Changed("context")
			if err := o.Validate(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return o.Run(context.Background())
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Endpoints, "endpoints", nil, "etcd client URLs (comma-separated or repeated)")
	f.StringVar(&o.Prefix, "prefix", "/registry", "the API server's --etcd-prefix")
	f.StringSliceVar(&o.Resources, "resources", []string{"secrets"}, "resources to read: secrets, configmaps, or resource.group for other groups")
	f.StringVar(&o.EncryptionConfig, "encryption-config", "", "the API server's EncryptionConfiguration file, to judge objects against")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "bound of each request")
	f.Int64Var(&o.BatchSize, "batch-size", 32, "values per read (etcd returns whole values: this bounds memory)")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file: also read the API server's transformation metrics")
	f.StringVar(&o.Context, "context", "", "kubeconfig context (implies reading the metrics)")
	o.TLS.addFlags(f)
	o.Out.addFlags(f)
	return cmd
}

// Validate checks the flags.
func (o *EtcdEncryptionOptions) Validate() error {
	o.Endpoints, o.Resources = splitList(o.Endpoints), splitList(o.Resources)
	switch {
	case len(o.Endpoints) == 0 && !o.readMetrics:
		return errors.New("give --endpoints (etcd's client URLs), or --kubeconfig to read the API server's metrics alone")
	case len(o.Resources) == 0:
		return errors.New("--resources is empty")
	case o.Timeout <= 0 || o.BatchSize <= 0:
		return errors.New("--timeout and --batch-size must be positive")
	case !strings.HasPrefix(o.Prefix, "/"):
		return fmt.Errorf("--prefix %q must start with /", o.Prefix)
	}
	if err := o.TLS.validate(); err != nil {
		return err
	}
	return o.Out.validate()
}

// Run scans and renders.
func (o *EtcdEncryptionOptions) Run(ctx context.Context) error {
	var cfg *etcd.EncryptionConfig
	if o.EncryptionConfig != "" {
		var err error
		if cfg, err = etcd.LoadEncryptionConfig(o.EncryptionConfig); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--encryption-config: %w", err)}
		}
	}
	rep := &finding.Report{}
	extra := map[string]any{}
	objects := 0
	var scan *etcd.EncryptionResult
	if len(o.Endpoints) > 0 {
		kv, closeFn, err := o.client()
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		scan = etcd.ScanEncryption(ctx, kv, etcd.EncryptionOptions{Prefix: o.Prefix, Resources: o.Resources, Config: cfg, BatchSize: o.BatchSize, Timeout: o.Timeout})
		closeFn()
		rep.Findings, rep.Errors, rep.Skipped = scan.Findings, scan.Errors, scan.Skipped
		objects = len(scan.Objects)
		extra["encryption"] = scan
	}
	var metrics *etcd.Transformations
	if o.readMetrics {
		rc, err := restConfig(o.Kubeconfig, o.Context)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		rc.Timeout = o.Timeout
		metrics, err = etcd.ReadTransformations(ctx, rc)
		if err != nil {
			rep.Errors = append(rep.Errors, finding.InputError{File: rc.Host + "/metrics", Message: err.Error()})
		} else {
			rep.Findings = append(rep.Findings, metrics.Findings...)
			rep.Skipped = append(rep.Skipped, metrics.Skipped...)
			extra["transformations"] = metrics.Series
		}
	}
	rep.Sort()
	return writeEtcdReport(o.streams, &o.Out, rep, objects, extra, func(w io.Writer) {
		if scan != nil {
			fmt.Fprintf(w, "etcd %s, revision %d: %d object(s) read\n", scan.Prefix, scan.Revision, len(scan.Objects))
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprint(tw, "RESOURCE\tSTORAGE\tOBJECTS")
			if cfg != nil {
				fmt.Fprint(tw, "\tIN CONFIGURATION")
			}
			fmt.Fprintln(tw)
			for _, d := range scan.Distribution {
				fmt.Fprintf(tw, "%s\t%s\t%d", d.Resource, d.Storage, d.Count)
				if cfg != nil {
					fmt.Fprintf(tw, "\t%s", map[string]string{"write": "first (writes)", "read": "read only", "unknown": "NOT LISTED"}[d.Expected])
				}
				fmt.Fprintln(tw)
			}
			_ = tw.Flush()
			fmt.Fprintln(w)
		}
		if metrics != nil {
			fmt.Fprintln(w, "API server transformations since its start ("+etcd.TransformationMetric+"):")
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RESOURCE\tDIRECTION\tTRANSFORMER\tSTATUS\tCOUNT")
			for _, s := range metrics.Series {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", s.Resource, s.Type, s.Storage, s.Status, s.Count)
			}
			_ = tw.Flush()
			fmt.Fprintln(w)
		}
	})
}

// client connects to etcd; requests are bounded by the scan's timeout.
func (o *EtcdEncryptionOptions) client() (etcd.KV, func(), error) {
	roots, cert, err := o.TLS.load()
	if err != nil {
		return nil, nil, err
	}
	cfg := clientv3.Config{
		Endpoints:          o.Endpoints,
		DialTimeout:        o.Timeout,
		MaxCallRecvMsgSize: 256 << 20,
		Logger:             zap.NewNop(),
	}
	if roots != nil || cert != nil || anyHTTPS(o.Endpoints) {
		// No InsecureSkipVerify here: this reads data, so etcd must prove
		// who it is (--cacert, or the system's roots).
		cfg.TLS = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if cert != nil {
			cfg.TLS.Certificates = []tls.Certificate{*cert}
		}
	}
	c, err := clientv3.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("etcd client: %w", err)
	}
	return c.KV, func() { _ = c.Close() }, nil
}

func anyHTTPS(endpoints []string) bool {
	for _, e := range endpoints {
		if strings.HasPrefix(e, "https://") {
			return true
		}
	}
	return false
}

// writeEtcdReport renders a report of an etcd command: the table shows
// the command's own section first, JSON carries it under "etcd". The
// error carries the exit code.
func writeEtcdReport(streams IOStreams, out *etcdOutputFlags, rep *finding.Report, objects int, extra map[string]any, table func(io.Writer)) error {
	out.applyPolicy(rep)
	rep.Sort()
	rep.Summarize(objects, out.threshold)
	var metas []check.Meta
	for _, c := range all.Registry().Checks() {
		metas = append(metas, c.Meta())
	}
	var err error
	switch out.Output {
	case "table":
		table(streams.Out)
		err = report.Write(streams.Out, "table", rep, report.Options{Rules: metas, Color: !out.NoColor && isTerminal(streams.Out), ShowSuppressed: out.ShowSuppressed})
	case "json":
		err = jsonWithSection(streams.Out, rep, extra)
	default:
		err = report.Write(streams.Out, out.Output, rep, report.Options{Rules: metas})
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	switch {
	case len(rep.Errors) > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("%d error(s): %s", len(rep.Errors), rep.Errors[0].Error())}
	case rep.Summary.Failed:
		return &exitError{code: ExitFindings}
	}
	return nil
}

// jsonWithSection writes the report as `rampart scan -o json` does, with
// the command's own results added as a last member, "etcd".
func jsonWithSection(w io.Writer, rep *finding.Report, extra map[string]any) error {
	var buf bytes.Buffer
	if err := report.JSON(&buf, rep); err != nil {
		return err
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	if len(body) == 0 || body[len(body)-1] != '}' {
		return errors.New("report JSON does not end an object")
	}
	sec, err := json.MarshalIndent(extra, "  ", "  ")
	if err != nil {
		return err
	}
	body = bytes.TrimRight(body[:len(body)-1], "\n ")
	if _, err := w.Write(body); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, ",\n  \"etcd\": %s\n}\n", sec)
	return err
}
