package testcluster

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// EtcdSecurity is how the test etcd serves its clients and peers.
type EtcdSecurity int

const (
	// EtcdPlain serves clients and peers on plain HTTP (the default).
	EtcdPlain EtcdSecurity = iota
	// EtcdTLS serves clients and peers on HTTPS with a server certificate,
	// and asks no client certificate: anyone who reaches the port may read.
	EtcdTLS
	// EtcdMutualTLS serves on HTTPS and requires a client certificate
	// signed by the etcd CA (--client-cert-auth, --trusted-ca-file, and
	// the same for peers), as CIS 2.1 to 2.7 ask.
	EtcdMutualTLS
)

func (s EtcdSecurity) String() string {
	switch s {
	case EtcdPlain:
		return "plain"
	case EtcdTLS:
		return "tls"
	case EtcdMutualTLS:
		return "mutual-tls"
	}
	return "etcd-security(" + strconv.Itoa(int(s)) + ")"
}

// ClientCert is a client certificate and key written to files, for tests
// that talk to etcd as the API server does (or as an intruder would).
type ClientCert struct {
	CertFile, KeyFile string
}

// EtcdClientCert issues a client certificate signed by the etcd CA (the
// one etcd trusts in EtcdMutualTLS), with common name cn, written to the
// cluster's folder.
func (c *Cluster) EtcdClientCert(cn string) (ClientCert, error) {
	if c.etcdCA == nil {
		return ClientCert{}, fmt.Errorf("etcd serves plain HTTP: it has no CA")
	}
	return c.writeClientCert(c.etcdCA, cn)
}

// ForeignClientCert issues a client certificate from a fresh CA that etcd
// does not trust.
func (c *Cluster) ForeignClientCert(cn string) (ClientCert, error) {
	other, err := newNamedCA("rampart-testcluster-foreign-ca")
	if err != nil {
		return ClientCert{}, err
	}
	return c.writeClientCert(other, cn)
}

func (c *Cluster) writeClientCert(authority *ca, cn string) (ClientCert, error) {
	certPEM, keyPEM, err := authority.issueFor(cn, nil, false, true)
	if err != nil {
		return ClientCert{}, err
	}
	n := serial.Add(1)
	out := ClientCert{
		CertFile: filepath.Join(c.Dir, fmt.Sprintf("client-%d.crt", n)),
		KeyFile:  filepath.Join(c.Dir, fmt.Sprintf("client-%d.key", n)),
	}
	if err := writeFile(out.CertFile, certPEM); err != nil {
		return ClientCert{}, err
	}
	if err := writeFile(out.KeyFile, keyPEM); err != nil {
		return ClientCert{}, err
	}
	return out, nil
}

// etcdArgs writes etcd's certificates (for TLS modes) and returns its
// flags, the scheme of its URLs, and the flags the API server needs to
// reach it.
func (c *Cluster) etcdArgs(sec EtcdSecurity, clientPort, peerPort int) (etcdArgs, apiArgs []string, err error) {
	scheme := "http"
	if sec != EtcdPlain {
		scheme = "https"
	}
	c.EtcdURL = scheme + "://127.0.0.1:" + strconv.Itoa(clientPort)
	c.EtcdPeerURL = scheme + "://127.0.0.1:" + strconv.Itoa(peerPort)
	c.EtcdDataDir = filepath.Join(c.Dir, "etcd")
	c.EtcdSecurity = sec
	etcdArgs = []string{
		"--name=default", "--data-dir=" + c.EtcdDataDir,
		"--listen-client-urls=" + c.EtcdURL, "--advertise-client-urls=" + c.EtcdURL,
		"--listen-peer-urls=" + c.EtcdPeerURL, "--initial-advertise-peer-urls=" + c.EtcdPeerURL,
		"--initial-cluster=default=" + c.EtcdPeerURL, "--unsafe-no-fsync", "--log-level=warn",
	}
	apiArgs = []string{"--etcd-servers=" + c.EtcdURL}
	if sec == EtcdPlain {
		return etcdArgs, apiArgs, nil
	}
	if c.etcdCA, err = newNamedCA("rampart-testcluster-etcd-ca"); err != nil {
		return nil, nil, err
	}
	c.EtcdCAFile = filepath.Join(c.Dir, "etcd-ca.crt")
	if err := writeFile(c.EtcdCAFile, c.etcdCA.pem); err != nil {
		return nil, nil, err
	}
	// One certificate serves clients and authenticates to peers, as
	// kubeadm's etcd/peer certificates do.
	certPEM, keyPEM, err := c.etcdCA.issueFor("etcd", nil, true, true)
	if err != nil {
		return nil, nil, err
	}
	certFile, keyFile := filepath.Join(c.Dir, "etcd-server.crt"), filepath.Join(c.Dir, "etcd-server.key")
	if err := writeFile(certFile, certPEM); err != nil {
		return nil, nil, err
	}
	if err := writeFile(keyFile, keyPEM); err != nil {
		return nil, nil, err
	}
	etcdArgs = append(etcdArgs,
		"--cert-file="+certFile, "--key-file="+keyFile,
		"--peer-cert-file="+certFile, "--peer-key-file="+keyFile,
	)
	apiArgs = append(apiArgs, "--etcd-cafile="+c.EtcdCAFile)
	if sec == EtcdMutualTLS {
		etcdArgs = append(etcdArgs,
			"--client-cert-auth", "--trusted-ca-file="+c.EtcdCAFile,
			"--peer-client-cert-auth", "--peer-trusted-ca-file="+c.EtcdCAFile,
		)
	}
	// The API server presents its own client certificate in both TLS
	// modes (etcd ignores it when it asks none).
	if c.EtcdAPIServerCert, err = c.writeClientCert(c.etcdCA, "kube-apiserver-etcd-client"); err != nil {
		return nil, nil, err
	}
	apiArgs = append(apiArgs, "--etcd-certfile="+c.EtcdAPIServerCert.CertFile, "--etcd-keyfile="+c.EtcdAPIServerCert.KeyFile)
	return etcdArgs, apiArgs, nil
}

// etcdHealthClient is an HTTP client that can ask etcd's /health in the
// cluster's mode.
func (c *Cluster) etcdHealthClient() (*http.Client, error) {
	if c.EtcdSecurity == EtcdPlain {
		return &http.Client{Timeout: 2 * time.Second}, nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(c.etcdCA.cert)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	pair, err := tls.LoadX509KeyPair(c.EtcdAPIServerCert.CertFile, c.EtcdAPIServerCert.KeyFile)
	if err != nil {
		return nil, err
	}
	cfg.Certificates = []tls.Certificate{pair}
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}, nil
}
