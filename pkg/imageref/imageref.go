// Package imageref parses container image references (registry, repository,
// tag, digest) the way container runtimes resolve them, so that manifests and
// Dockerfiles are judged by one parser and one allow-list.
package imageref

import (
	"fmt"
	"strings"
)

// DefaultRegistry is what a reference without a registry host resolves to.
const DefaultRegistry = "docker.io"

// Ref is a parsed image reference.
type Ref struct {
	Original   string
	Registry   string // e.g. docker.io, ghcr.io, localhost:5000
	Repository string // e.g. library/nginx
	Tag        string // empty when absent
	Digest     string // e.g. sha256:...
}

// Parse splits an image reference. It does not contact any registry.
func Parse(s string) (Ref, error) {
	r := Ref{Original: s}
	if s == "" {
		return r, fmt.Errorf("empty image reference")
	}
	// References are printable ASCII (the distribution grammar). Checking
	// bytes, not runes, also refuses invalid UTF-8 and any whitespace:
	// allow-list entries are trimmed, so "\f" kept in a name would make an
	// image fail to match its own registry's entry.
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c == 0x7f:
			return r, fmt.Errorf("image reference %q contains whitespace or control characters", s)
		case c >= 0x80:
			return r, fmt.Errorf("image reference %q contains non-ASCII characters", s)
		}
	}
	rest := s
	if i := strings.Index(rest, "@"); i >= 0 {
		r.Digest = rest[i+1:]
		rest = rest[:i]
		if !strings.Contains(r.Digest, ":") {
			return r, fmt.Errorf("image reference %q has a malformed digest", s)
		}
	}
	// A tag follows the last colon after the last slash (a colon before a
	// slash is a registry port).
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "/") {
		r.Tag = rest[i+1:]
		rest = rest[:i]
		if r.Tag == "" {
			return r, fmt.Errorf("image reference %q has an empty tag", s)
		}
	}
	// Checked before "library/" is added, which would hide an empty name.
	if rest == "" {
		return r, fmt.Errorf("image reference %q has no repository", s)
	}
	first, remainder, hasSlash := strings.Cut(rest, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first) {
		r.Registry, r.Repository = first, remainder
	} else {
		r.Registry, r.Repository = DefaultRegistry, rest
		if !hasSlash {
			r.Repository = "library/" + rest
		}
	}
	if r.Registry == "index.docker.io" || r.Registry == "registry-1.docker.io" {
		r.Registry = DefaultRegistry
	}
	// Docker Hub's official images live under library/: "docker.io/nginx"
	// is the same image as "nginx", and an allow-list must see one name.
	if r.Registry == DefaultRegistry && r.Repository != "" && !strings.Contains(r.Repository, "/") {
		r.Repository = "library/" + r.Repository
	}
	if r.Repository == "" {
		return r, fmt.Errorf("image reference %q has no repository", s)
	}
	// "a//b", "/a" or "a/": no runtime pulls these, and an allow-list
	// prefix must not match them by accident.
	if strings.HasPrefix(r.Repository, "/") || strings.HasSuffix(r.Repository, "/") || strings.Contains(r.Repository, "//") {
		return r, fmt.Errorf("image reference %q has an empty path component", s)
	}
	// A colon left in the repository is a second tag ("a:b:c") or a port
	// on something that is not a registry host.
	if strings.Contains(r.Repository, ":") {
		return r, fmt.Errorf("image reference %q has a malformed tag", s)
	}
	return r, nil
}

// Name is registry/repository, the part an allow-list matches.
func (r Ref) Name() string { return r.Registry + "/" + r.Repository }

// Mutable reports whether the reference can point at different images over
// time: no digest and no tag (implicitly latest) or the tag latest.
func (r Ref) Mutable() bool {
	return r.Digest == "" && (r.Tag == "" || r.Tag == "latest")
}

// Allowed reports whether the image comes from one of the allowed
// registries. An entry is a registry host ("ghcr.io") or a host/path prefix
// ("ghcr.io/myorg"); "docker.io" entries match images without a host.
func (r Ref) Allowed(allowed []string) bool {
	name := r.Name()
	for _, a := range allowed {
		a = strings.TrimSuffix(strings.TrimSpace(a), "/")
		if a == "" {
			continue
		}
		if name == a || strings.HasPrefix(name, a+"/") || r.Registry == a {
			return true
		}
	}
	return false
}
