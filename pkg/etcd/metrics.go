package etcd

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/finding"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// TransformationMetric is the name of the API server's counter of
// storage transformations.
const TransformationMetric = "apiserver_storage_transformation_operations_total"

// Transformation is one series of the counter: how often the API server
// transformed a resource to or from storage with one transformer.
type Transformation struct {
	Resource string `json:"resource"`
	// Type is to_storage (writes) or from_storage (reads).
	Type string `json:"type"`
	// Prefix is the transformer's prefix: k8s:enc:aescbc:v1:key1:, or
	// "identity" ("" on writes), or "unknown" for reads no provider matched.
	Prefix string `json:"prefix"`
	// Storage is Prefix classified.
	Storage Storage `json:"storage"`
	Status  string  `json:"status"`
	Count   float64 `json:"count"`
}

// Transformations is what the API server's metrics say.
type Transformations struct {
	Series   []Transformation  `json:"series"`
	Findings []finding.Finding `json:"-"`
	Skipped  []finding.Skipped `json:"-"`
}

// ReadTransformations reads /metrics through the API server with cfg and
// keeps the transformation counter. A refusal (no get on the
// nonResourceURL /metrics) is reported as skipped, not as an error.
func ReadTransformations(ctx context.Context, cfg *rest.Config) (*Transformations, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	body, err := dc.RESTClient().Get().AbsPath("/metrics").Stream(ctx)
	if err != nil {
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return &Transformations{Skipped: []finding.Skipped{{CheckID: IDAPIServerWritesPlainly, Resource: cfg.Host + "/metrics",
				Reason: "the credentials may not read the API server's /metrics (get on the nonResourceURL /metrics): " + oneLine(err.Error())}}}, nil
		}
		return nil, fmt.Errorf("reading %s/metrics: %w", cfg.Host, err)
	}
	defer body.Close()
	series, err := ParseTransformations(body)
	if err != nil {
		return nil, err
	}
	t := &Transformations{Series: series}
	t.judge(cfg.Host)
	return t, nil
}

// ParseTransformations reads the Prometheus text format and returns the
// series of TransformationMetric, sorted.
func ParseTransformations(r io.Reader) ([]Transformation, error) {
	var out []Transformation
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, TransformationMetric+"{") {
			continue
		}
		labels, value, err := parseSample(line[len(TransformationMetric):])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", TransformationMetric, err)
		}
		t := Transformation{Resource: labels["resource"], Type: labels["transformation_type"], Prefix: labels["transformer_prefix"], Status: labels["status"], Count: value}
		t.Storage = classifyLabel(t.Prefix)
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Transformation) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(b.Type, a.Type), cmp.Compare(a.Prefix, b.Prefix), cmp.Compare(a.Status, b.Status))
	})
	return out, nil
}

// classifyLabel reads a transformer_prefix label. The API server records
// identity as "" (writes) or "identity" (reads), reads no provider matched
// as "unknown", and the AES and secretbox providers twice: once with the
// provider's prefix (k8s:enc:aescbc:v1:) and once, from the provider's own
// list of keys, with the key's name alone (key1:). KMS records its full
// prefix (k8s:enc:kms:v2:name:).
func classifyLabel(label string) Storage {
	switch {
	case label == "" || label == "identity":
		return Storage{Provider: ProviderIdentity}
	case label == "unknown":
		return Storage{Provider: ProviderUnknown}
	case strings.HasPrefix(label, encPrefix):
		s := Classify([]byte(label), nil)
		if s.Truncated && s.Key == "" && s.Provider != ProviderUnknown {
			s.Truncated = false // the provider's prefix, without a key
		}
		return s
	}
	return Storage{Provider: ProviderKeyOnly, Key: printable([]byte(strings.TrimSuffix(label, ":")))}
}

// parseSample reads {name="value",...} value [timestamp].
func parseSample(s string) (map[string]string, float64, error) {
	labels := map[string]string{}
	if !strings.HasPrefix(s, "{") {
		return nil, 0, fmt.Errorf("no labels in %q", s)
	}
	i := 1
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		if i < len(s) && s[i] == '}' {
			i++
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return nil, 0, fmt.Errorf("malformed labels in %q", s)
		}
		name := strings.TrimSpace(s[i : i+eq])
		i += eq + 2
		var v strings.Builder
		for {
			if i >= len(s) {
				return nil, 0, fmt.Errorf("unterminated label value in %q", s)
			}
			c := s[i]
			i++
			if c == '"' {
				break
			}
			if c == '\\' && i < len(s) {
				switch s[i] {
				case 'n':
					c = '\n'
				default:
					c = s[i]
				}
				i++
			}
			v.WriteByte(c)
		}
		labels[name] = v.String()
	}
	fields := strings.Fields(s[i:])
	if len(fields) == 0 {
		return nil, 0, fmt.Errorf("no value in %q", s)
	}
	val, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return nil, 0, fmt.Errorf("value in %q: %w", s, err)
	}
	return labels, val, nil
}

// judge reports the API server writing Secrets with identity.
func (t *Transformations) judge(host string) {
	var plain, enc float64
	for _, s := range t.Series {
		if s.Resource != "secrets" || s.Type != "to_storage" || s.Status != "OK" {
			continue
		}
		if s.Storage.Provider == ProviderKeyOnly {
			continue // counted with its provider's series
		}
		if s.Storage.Encrypted() {
			enc += s.Count
		} else {
			plain += s.Count
		}
	}
	if plain == 0 {
		return
	}
	m := checkMeta(IDAPIServerWritesPlainly)
	msg := fmt.Sprintf("since it started, the API server wrote Secrets to etcd %v time(s) without encryption (identity)", plain)
	if enc > 0 {
		msg += fmt.Sprintf(" and %v time(s) encrypted: its configuration changed, or API servers differ", enc)
	}
	t.Findings = append(t.Findings, newFinding(m, finding.Resource{Kind: "APIServer", Name: host}, msg,
		map[string]any{"metric": TransformationMetric, "resource": "secrets", "transformation_type": "to_storage", "identity": plain, "encrypted": enc}))
}
