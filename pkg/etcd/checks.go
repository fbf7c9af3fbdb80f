// Package etcd proves live what the configuration checks read from flags:
// whether etcd serves clients and peers without TLS or without client
// certificate authentication (Probe), and how the objects it stores are
// encrypted at rest (ScanEncryption), judged from the first bytes of each
// value against the API server's EncryptionConfiguration. It only reads,
// and never prints or keeps a stored value.
package etcd

import (
	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
)

// Check IDs.
const (
	IDPlaintextClient        = "etcd/plaintext-client"
	IDNoClientCertAuth       = "etcd/no-client-cert-auth"
	IDPeerPlaintext          = "etcd/peer-plaintext"
	IDPeerNoClientCertAuth   = "etcd/peer-no-client-cert-auth"
	IDSecretsUnencrypted     = "encryption/secrets-unencrypted"
	IDRotationIncomplete     = "encryption/rotation-incomplete"
	IDKeyNotInConfig         = "encryption/key-not-in-config"
	IDAPIServerWritesPlainly = "encryption/apiserver-writes-plaintext"
)

const (
	probeCommand      = "rampart etcd probe"
	encryptionCommand = "rampart etcd encryption"
)

type meta struct {
	m   check.Meta
	cmd string
}

func (c meta) Meta() check.Meta { return c.m }
func (c meta) Command() string  { return c.cmd }

var metas = []meta{
	{cmd: probeCommand, m: check.Meta{
		ID: IDPlaintextClient, Title: "etcd answers clients on plain HTTP", Severity: finding.SeverityCritical,
		Why:         "Whoever reaches etcd's client port reads and writes every object of the cluster, Secrets included, with no credential and in clear text on the wire.",
		Remediation: "serve clients on https only (--listen-client-urls https://..., --cert-file, --key-file) with --client-cert-auth and --trusted-ca-file, and point the API server at it with --etcd-cafile, --etcd-certfile and --etcd-keyfile",
		Controls:    []string{"CIS 2.1", "CIS 1.2.23"},
	}},
	{cmd: probeCommand, m: check.Meta{
		ID: IDNoClientCertAuth, Title: "etcd answers TLS clients without a client certificate", Severity: finding.SeverityCritical,
		Why:         "TLS without client certificate authentication encrypts the traffic but lets anyone who reaches the client port read and write every object, Secrets included.",
		Remediation: "run etcd with --client-cert-auth=true and --trusted-ca-file set to a CA that signs only the API server's etcd client certificate",
		Controls:    []string{"CIS 2.2", "CIS 2.7"},
	}},
	{cmd: probeCommand, m: check.Meta{
		ID: IDPeerPlaintext, Title: "etcd peer port answers on plain HTTP", Severity: finding.SeverityHigh,
		Why:         "Raft traffic, and with it every write to the cluster, crosses the network in clear text, and anyone who reaches the peer port can talk to the member as a peer.",
		Remediation: "serve peers on https (--listen-peer-urls https://..., --peer-cert-file, --peer-key-file) with --peer-client-cert-auth and --peer-trusted-ca-file",
		Controls:    []string{"CIS 2.4"},
	}},
	{cmd: probeCommand, m: check.Meta{
		ID: IDPeerNoClientCertAuth, Title: "etcd peer port answers without a client certificate", Severity: finding.SeverityHigh,
		Why:         "Without peer client certificate authentication anyone who reaches the peer port is taken for a member of the cluster.",
		Remediation: "run etcd with --peer-client-cert-auth=true and --peer-trusted-ca-file",
		Controls:    []string{"CIS 2.5"},
	}},
	{cmd: encryptionCommand, m: check.Meta{
		ID: IDSecretsUnencrypted, Title: "Secrets stored in etcd without encryption", Severity: finding.SeverityHigh,
		Why:         "Anyone with a copy of etcd's data (a backup, a disk, a snapshot, a client certificate) reads every Secret in clear text.",
		Remediation: "give the API server an EncryptionConfiguration (--encryption-provider-config) whose first provider for secrets is kms v2 or secretbox, restart it, then rewrite every Secret (kubectl get secrets -A -o json | kubectl replace -f -)",
		Controls:    []string{"CIS 1.2.27", "CIS 1.2.28"},
	}},
	{cmd: encryptionCommand, m: check.Meta{
		ID: IDRotationIncomplete, Title: "Objects still encrypted with a key that is no longer first", Severity: finding.SeverityMedium,
		Why:         "A key rotation ends only when every object is rewritten with the new key; until then the old key must stay, and whoever holds it still reads these objects.",
		Remediation: "rewrite the objects named (kubectl get secrets -A -o json | kubectl replace -f -), check again, then remove the old key from the configuration",
		Controls:    []string{"CIS 1.2.28"},
	}},
	{cmd: encryptionCommand, m: check.Meta{
		ID: IDKeyNotInConfig, Title: "Objects encrypted with a key the configuration does not list", Severity: finding.SeverityHigh,
		Why:         "The API server can decrypt an object only with a key of its EncryptionConfiguration: these objects cannot be read (a key was removed too early, or the file differs between API servers).",
		Remediation: "put the key back into the EncryptionConfiguration of every API server (after the identity or current key), restart them, and rewrite the objects before removing it again",
		Controls:    []string{"CIS 1.2.28"},
	}},
	{cmd: encryptionCommand, m: check.Meta{
		ID: IDAPIServerWritesPlainly, Title: "API server writes Secrets to etcd without encryption", Severity: finding.SeverityHigh,
		Why:         "The API server's own metrics show Secrets written with the identity transformer: every new or updated Secret lands in etcd in clear text.",
		Remediation: "configure --encryption-provider-config with an encrypting provider first for secrets (kms v2 or secretbox), restart the API server and rewrite every Secret",
		Controls:    []string{"CIS 1.2.27"},
	}},
}

func init() {
	for i := range metas {
		metas[i].m.Category = finding.CategoryCluster
		switch {
		case metas[i].cmd == probeCommand:
			metas[i].m.Kinds = []string{"(live etcd endpoints, rampart etcd probe)"}
		case metas[i].m.ID == IDAPIServerWritesPlainly:
			metas[i].m.Kinds = []string{"(API server metrics, rampart etcd encryption --kubeconfig)"}
		default:
			metas[i].m.Kinds = []string{"(values stored in etcd, rampart etcd encryption)"}
		}
	}
}

// Checks returns the metadata of the findings rampart etcd reports, for
// the registry (rampart checks, docs/checks.md).
func Checks() []check.Check {
	out := make([]check.Check, len(metas))
	for i, m := range metas {
		out[i] = m
	}
	return out
}

func checkMeta(id string) check.Meta {
	for _, m := range metas {
		if m.m.ID == id {
			return m.m
		}
	}
	panic("etcd: unknown check " + id)
}

func newFinding(m check.Meta, r finding.Resource, msg string, ev map[string]any) finding.Finding {
	return finding.Finding{
		CheckID: m.ID, Title: m.Title, Severity: m.Severity, Category: m.Category,
		Resource: r, Message: msg, Remediation: m.Remediation, Controls: m.Controls, Evidence: ev,
	}
}
