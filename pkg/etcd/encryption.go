package etcd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/finding"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// KV is the part of an etcd client the encryption scan uses: reads only.
type KV interface {
	Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error)
}

// EncryptionOptions tune an encryption scan.
type EncryptionOptions struct {
	// Prefix is the API server's --etcd-prefix (default /registry).
	Prefix string
	// Resources to read: secrets, configmaps, or resource.group for
	// other groups (stored under <prefix>/<group>/<resource>/).
	Resources []string
	// Config, when set, is the API server's EncryptionConfiguration:
	// objects are judged against it.
	Config *EncryptionConfig
	// PageSize is how many keys a keys-only read lists (default 1000).
	PageSize int64
	// BatchSize is how many values one read returns (default 32): etcd
	// returns whole values, so this bounds the memory a read takes.
	BatchSize int64
	// Timeout bounds each request to etcd (default 30s).
	Timeout time.Duration
}

// StoredObject is one object's storage: where it is and how it is
// stored, never its value.
type StoredObject struct {
	Resource  string  `json:"resource"`
	Namespace string  `json:"namespace,omitempty"`
	Name      string  `json:"name"`
	Storage   Storage `json:"storage"`
}

// Ref is namespace/name, or name for cluster-scoped objects.
func (o StoredObject) Ref() string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// StorageCount is one line of the distribution: how many objects of a
// resource are stored one way.
type StorageCount struct {
	Resource string  `json:"resource"`
	Storage  Storage `json:"storage"`
	// Expected is set with a configuration: "write" for the first
	// provider's key, "read" for one it still reads, "unknown" for one it
	// cannot read.
	Expected string `json:"expected,omitempty"`
	Count    int    `json:"count"`
}

// EncryptionResult is what an encryption scan found.
type EncryptionResult struct {
	Prefix string `json:"prefix"`
	// Revision is the etcd revision the keys and values were read at.
	Revision     int64          `json:"revision,omitempty"`
	Distribution []StorageCount `json:"distribution"`
	// Objects are the objects read, sorted by resource, namespace, name.
	Objects  []StoredObject       `json:"objects"`
	Findings []finding.Finding    `json:"-"`
	Errors   []finding.InputError `json:"-"`
	Skipped  []finding.Skipped    `json:"-"`
}

func (o *EncryptionOptions) defaults() {
	if o.Prefix == "" {
		o.Prefix = "/registry"
	}
	o.Prefix = "/" + strings.Trim(o.Prefix, "/")
	if len(o.Resources) == 0 {
		o.Resources = []string{"secrets"}
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
}

// ResourceKeyPrefix is where the API server stores a resource:
// <prefix>/<resource>/ for the core group and the built-in groups that
// keep that layout, <prefix>/<group>/<resource>/ for resource.group.
func ResourceKeyPrefix(prefix, resource string) string {
	gr := schema.ParseGroupResource(resource)
	if gr.Group == "" {
		return prefix + "/" + gr.Resource + "/"
	}
	return prefix + "/" + gr.Group + "/" + gr.Resource + "/"
}

// ScanEncryption lists the keys of each resource and reads the first
// bytes of each value, in bounded batches at one revision, and judges
// how the objects are stored. It only reads.
func ScanEncryption(ctx context.Context, kv KV, opts EncryptionOptions) *EncryptionResult {
	opts.defaults()
	res := &EncryptionResult{Prefix: opts.Prefix}
	known := opts.Config.knownKeys()
	for _, r := range opts.Resources {
		objs, rev, err := readResource(ctx, kv, opts, r, known, res.Revision)
		if err != nil {
			res.Errors = append(res.Errors, finding.InputError{File: ResourceKeyPrefix(opts.Prefix, r), Message: err.Error()})
			for _, id := range checksFor(r) {
				res.Skipped = append(res.Skipped, finding.Skipped{CheckID: id, Resource: r, Reason: "could not read etcd: " + err.Error()})
			}
			continue
		}
		if res.Revision == 0 {
			res.Revision = rev
		}
		res.Objects = append(res.Objects, objs...)
	}
	analyze(res, opts)
	return res
}

func checksFor(resource string) []string {
	if resource == "secrets" {
		return []string{IDSecretsUnencrypted, IDRotationIncomplete}
	}
	return []string{IDRotationIncomplete}
}

// readResource pages through the keys of one resource (keys only), then
// reads their values batch by batch at the same revision, keeping the
// first PrefixBytes of each.
func readResource(ctx context.Context, kv KV, opts EncryptionOptions, resource string, known map[string][]string, rev int64) ([]StoredObject, int64, error) {
	base := ResourceKeyPrefix(opts.Prefix, resource)
	end := clientv3.GetPrefixRangeEnd(base)
	get := func(key string, o ...clientv3.OpOption) (*clientv3.GetResponse, error) {
		rctx, cancel := context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
		return kv.Get(rctx, key, o...)
	}
	var out []StoredObject
	from := base
	for {
		keysOpts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(opts.PageSize)}
		if rev > 0 {
			keysOpts = append(keysOpts, clientv3.WithRev(rev))
		}
		page, err := get(from, keysOpts...)
		if errors.Is(err, rpctypes.ErrCompacted) && rev > 0 {
			rev = 0 // our revision was compacted away: go on at the newest
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		if rev == 0 {
			rev = page.Header.Revision
		}
		keys := make([]string, 0, len(page.Kvs))
		for _, kvp := range page.Kvs {
			keys = append(keys, string(kvp.Key))
		}
		for len(keys) > 0 {
			n := min(int64(len(keys)), opts.BatchSize)
			batch := keys[:n]
			keys = keys[n:]
			values, err := get(batch[0], clientv3.WithRange(batch[len(batch)-1]+"\x00"), clientv3.WithRev(rev))
			if errors.Is(err, rpctypes.ErrCompacted) {
				values, err = get(batch[0], clientv3.WithRange(batch[len(batch)-1]+"\x00"))
			}
			if err != nil {
				return nil, 0, err
			}
			for _, kvp := range values.Kvs {
				v := kvp.Value
				if len(v) > PrefixBytes {
					v = v[:PrefixBytes]
				}
				o := StoredObject{Resource: resource, Storage: Classify(v, known)}
				o.Namespace, o.Name = splitKey(strings.TrimPrefix(string(kvp.Key), base))
				out = append(out, o)
			}
			// Drop the batch (and with it the whole values) before the next.
			values.Kvs = nil
		}
		if !page.More || len(page.Kvs) == 0 {
			break
		}
		from = string(page.Kvs[len(page.Kvs)-1].Key) + "\x00"
	}
	return out, rev, nil
}

// splitKey turns the rest of a key after the resource's prefix into
// namespace and name: ns/name for namespaced objects, name otherwise.
func splitKey(rest string) (ns, name string) {
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], rest[i+1:]
	}
	return "", rest
}

// analyze counts storages and reports the findings.
func analyze(res *EncryptionResult, opts EncryptionOptions) {
	slices.SortFunc(res.Objects, func(a, b StoredObject) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	type distKey struct {
		resource, storage string
	}
	counts := map[distKey]*StorageCount{}
	for _, o := range res.Objects {
		s := o.Storage
		s.Truncated = false
		k := distKey{o.Resource, s.String()}
		if counts[k] == nil {
			sc := &StorageCount{Resource: o.Resource, Storage: s}
			if opts.Config != nil {
				sc.Expected = expectation(opts.Config.Storages(o.Resource), s)
			}
			counts[k] = sc
		}
		counts[k].Count++
	}
	res.Distribution = make([]StorageCount, 0, len(counts))
	for _, c := range counts {
		res.Distribution = append(res.Distribution, *c)
	}
	slices.SortFunc(res.Distribution, func(a, b StorageCount) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Storage.String(), b.Storage.String()))
	})
	res.Findings = append(res.Findings, unencryptedSecrets(res.Objects, opts)...)
	if opts.Config != nil {
		res.Findings = append(res.Findings, againstConfig(res.Objects, opts)...)
	}
	rep := finding.Report{Findings: res.Findings, Errors: res.Errors, Skipped: res.Skipped}
	rep.Sort()
}

// expectation says what the configuration makes of a storage.
func expectation(configured []Storage, s Storage) string {
	switch {
	case sameStorage(configured[0], s):
		return "write"
	case containsStorage(configured, s):
		return "read"
	}
	return "unknown"
}

func secretResource(ns string) finding.Resource {
	return finding.Resource{APIVersion: "v1", Kind: "Secret", Namespace: ns}
}

// unencryptedSecrets reports, per namespace, the Secrets stored in plain
// text.
func unencryptedSecrets(objs []StoredObject, opts EncryptionOptions) []finding.Finding {
	type tally struct{ plain, total int }
	byNS := map[string]*tally{}
	var order []string
	for _, o := range objs {
		if o.Resource != "secrets" {
			continue
		}
		t := byNS[o.Namespace]
		if t == nil {
			t = &tally{}
			byNS[o.Namespace] = t
			order = append(order, o.Namespace)
		}
		t.total++
		if !o.Storage.Encrypted() {
			t.plain++
		}
	}
	meta := checkMeta(IDSecretsUnencrypted)
	var out []finding.Finding
	for _, ns := range order {
		t := byNS[ns]
		if t.plain == 0 {
			continue
		}
		msg := fmt.Sprintf("%d of %d Secrets in namespace %s are stored in etcd without encryption", t.plain, t.total, ns)
		if opts.Config != nil {
			w := opts.Config.Storages("secrets")[0]
			if w.Encrypted() {
				msg += fmt.Sprintf("; the configuration writes with %s, so these were written before it and were never rewritten", w)
			} else {
				msg += "; the configuration's first provider for secrets is identity"
			}
		}
		out = append(out, newFinding(meta, secretResource(ns), msg, map[string]any{
			"namespace": ns, "unencrypted": t.plain, "secrets": t.total,
			"read": fmt.Sprintf("keys under %s with the first %d bytes of each value", ResourceKeyPrefix(opts.Prefix, "secrets")+ns+"/", PrefixBytes),
		}))
	}
	return out
}

// againstConfig reports objects under a provider or key the
// configuration no longer writes with, and under one it cannot read.
func againstConfig(objs []StoredObject, opts EncryptionOptions) []finding.Finding {
	var out []finding.Finding
	rot, unknown := checkMeta(IDRotationIncomplete), checkMeta(IDKeyNotInConfig)
	for _, o := range objs {
		configured := opts.Config.Storages(o.Resource)
		write := configured[0]
		res := objectResource(o)
		ev := map[string]any{"object": o.Ref(), "resource": o.Resource, "stored": o.Storage.String(), "write": write.String()}
		switch {
		case sameStorage(write, o.Storage):
		case !o.Storage.Encrypted() && containsStorage(configured, o.Storage):
			// Plain, and still read by identity: for Secrets that is
			// encryption/secrets-unencrypted; other resources are only counted.
		case !o.Storage.Encrypted():
			out = append(out, newFinding(unknown, res, fmt.Sprintf("%s %s is stored in plain text, and %s lists no identity provider for %s: the API server cannot read it",
				singular(o.Resource), o.Ref(), configName(opts.Config), o.Resource), ev))
		case containsStorage(configured, o.Storage):
			out = append(out, newFinding(rot, res, fmt.Sprintf("%s %s is stored with %s, which is no longer first in %s (new writes use %s): rewrite it",
				singular(o.Resource), o.Ref(), o.Storage, configName(opts.Config), write), ev))
		default:
			out = append(out, newFinding(unknown, res, fmt.Sprintf("%s %s is stored with %s, which %s does not list for %s: the API server cannot read it",
				singular(o.Resource), o.Ref(), o.Storage, configName(opts.Config), o.Resource), ev))
		}
	}
	return out
}

func configName(c *EncryptionConfig) string {
	if c.Path != "" {
		return c.Path
	}
	return "the EncryptionConfiguration"
}

// singular names an object's kind for messages: Secret, ConfigMap, or
// the resource's singular.
func singular(resource string) string {
	switch resource {
	case "secrets":
		return "Secret"
	case "configmaps":
		return "ConfigMap"
	}
	gr := schema.ParseGroupResource(resource)
	return strings.TrimSuffix(gr.Resource, "s")
}

func objectResource(o StoredObject) finding.Resource {
	gr := schema.ParseGroupResource(o.Resource)
	r := finding.Resource{Namespace: o.Namespace, Name: o.Name}
	switch {
	case gr.Group == "" && gr.Resource == "secrets":
		r.APIVersion, r.Kind = "v1", "Secret"
	case gr.Group == "" && gr.Resource == "configmaps":
		r.APIVersion, r.Kind = "v1", "ConfigMap"
	default:
		r.Kind = o.Resource // the resource, when its kind is not known here
	}
	return r
}
