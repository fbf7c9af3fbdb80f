package imageref

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in                                string
		registry, repository, tag, digest string
	}{
		{"nginx", "docker.io", "library/nginx", "", ""},
		{"nginx:1.27", "docker.io", "library/nginx", "1.27", ""},
		{"nginx:latest", "docker.io", "library/nginx", "latest", ""},
		{"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", ""},
		{"library/nginx", "docker.io", "library/nginx", "", ""},
		{"docker.io/nginx", "docker.io", "library/nginx", "", ""}, // the same image as "nginx"
		{"index.docker.io/nginx", "docker.io", "library/nginx", "", ""},
		{"index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", ""},
		{"registry-1.docker.io/bitnami/redis", "docker.io", "bitnami/redis", "", ""},
		{"ghcr.io/org/app:v1.2.3", "ghcr.io", "org/app", "v1.2.3", ""},
		{"ghcr.io/org/team/app", "ghcr.io", "org/team/app", "", ""},
		{"registry.example.com:5000/team/app:1.0", "registry.example.com:5000", "team/app", "1.0", ""},
		{"registry.example.com:5000/app", "registry.example.com:5000", "app", "", ""},
		{"localhost/app", "localhost", "app", "", ""},
		{"localhost:5000/app:dev", "localhost:5000", "app", "dev", ""},
		{"10.0.0.1:5000/app", "10.0.0.1:5000", "app", "", ""},
		{"[::1]:5000/app:1", "[::1]:5000", "app", "1", ""},
		{"Registry.Example.COM/app", "Registry.Example.COM", "app", "", ""},
		{"MyRegistry/app", "MyRegistry", "app", "", ""},
		{"nginx@sha256:" + strings.Repeat("a", 64), "docker.io", "library/nginx", "", "sha256:" + strings.Repeat("a", 64)},
		{"nginx:1.27@sha256:" + strings.Repeat("b", 64), "docker.io", "library/nginx", "1.27", "sha256:" + strings.Repeat("b", 64)},
		{"ghcr.io/org/app:v1@sha256:abc", "ghcr.io", "org/app", "v1", "sha256:abc"},
		{"localhost:5000/app@sha256:abc", "localhost:5000", "app", "", "sha256:abc"},
	}
	for _, c := range cases {
		r, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if r.Original != c.in || r.Registry != c.registry || r.Repository != c.repository || r.Tag != c.tag || r.Digest != c.digest {
			t.Errorf("Parse(%q) = %+v, want registry %q repository %q tag %q digest %q", c.in, r, c.registry, c.repository, c.tag, c.digest)
		}
		if want := c.registry + "/" + c.repository; r.Name() != want {
			t.Errorf("Parse(%q).Name() = %q, want %q", c.in, r.Name(), want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"", "empty"},
		{"nginx latest", "whitespace"},
		{"nginx\t", "whitespace"},
		{"nginx\n", "whitespace"},
		{"nginx\r", "whitespace"},
		{"nginx\f", "whitespace"},
		{"nginx\x00", "control"},
		{"nginx\u00a0", "non-ASCII"},
		{"ngînx", "non-ASCII"},
		{"\xc2:\xa0", "non-ASCII"},
		{"nginx@sha256", "malformed digest"},
		{"nginx@", "malformed digest"},
		{"nginx:", "empty tag"},
		{"ghcr.io/org/app:", "empty tag"},
		{"ghcr.io/", "no repository"},
		{":1.0", "no repository"},
		{"@sha256:abc", "no repository"},
		{"localhost:5000/", "no repository"},
		{"/app", "empty path component"},
		{"org//app", "empty path component"},
		{"ghcr.io//app", "empty path component"},
		{"app:1:2", "malformed tag"},
		{"org/app:1:2", "malformed tag"},
	}
	for _, c := range cases {
		r, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", c.in, r)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%q) error %q does not say %q", c.in, err, c.msg)
		}
		if r.Original != c.in {
			t.Errorf("Parse(%q) lost the original: %q", c.in, r.Original)
		}
	}
}

func TestMutable(t *testing.T) {
	cases := []struct {
		in      string
		mutable bool
	}{
		{"nginx", true},
		{"nginx:latest", true},
		{"ghcr.io/org/app:latest", true},
		{"localhost:5000/app", true},
		{"nginx:1.27", false},
		{"nginx:Latest", false}, // tags are case-sensitive: only "latest" is the default
		{"nginx@sha256:abc", false},
		{"nginx:latest@sha256:abc", false}, // the digest pins it whatever the tag
		{"registry.example.com:5000/app:1.0", false},
	}
	for _, c := range cases {
		r, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := r.Mutable(); got != c.mutable {
			t.Errorf("Parse(%q).Mutable() = %v, want %v", c.in, got, c.mutable)
		}
	}
}

func TestAllowed(t *testing.T) {
	allowed := []string{"ghcr.io/myorg", " registry.example.com:5000/ ", "docker.io/library", ""}
	cases := []struct {
		in string
		ok bool
	}{
		{"ghcr.io/myorg/app:1", true},
		{"ghcr.io/myorg/team/app", true},
		{"ghcr.io/myorgevil/app", false}, // a prefix matches whole path segments only
		{"ghcr.io/other/app", false},
		{"registry.example.com:5000/anything", true},
		{"registry.example.com/anything", false}, // another port is another registry
		{"nginx", true},                          // docker.io/library/nginx
		{"docker.io/library/redis", true},
		{"bitnami/redis", false}, // docker.io/bitnami is not docker.io/library
		{"localhost/app", false},
	}
	for _, c := range cases {
		r, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := r.Allowed(allowed); got != c.ok {
			t.Errorf("Parse(%q).Allowed(%q) = %v, want %v", c.in, allowed, got, c.ok)
		}
	}

	// A bare registry host allows every image from it; "docker.io" allows
	// images written without a host.
	r, _ := Parse("bitnami/redis")
	if !r.Allowed([]string{"docker.io"}) {
		t.Error("docker.io does not allow bitnami/redis")
	}
	r, _ = Parse("ghcr.io/org/app")
	if !r.Allowed([]string{"ghcr.io"}) || r.Allowed([]string{"docker.io"}) || r.Allowed(nil) {
		t.Error("ghcr.io image against host entries")
	}
}

func FuzzImageRef(f *testing.F) {
	for _, s := range []string{
		"nginx", "nginx:1.27", "ghcr.io/org/app:v1@sha256:abc", "localhost:5000/app", "[::1]:5000/app:1",
		"", ":", "@", "/", "a/", "/a", "a@b", "a:b:c", "a/b:c/d", "index.docker.io/", "x@sha256:", "UPPER/app",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if r.Original != s {
			t.Fatalf("Parse(%q).Original = %q", s, r.Original)
		}
		_ = r.Mutable()
		_ = r.Allowed([]string{s, r.Registry, "docker.io"})
		if err != nil {
			return
		}
		if r.Registry == "" || r.Repository == "" {
			t.Fatalf("Parse(%q) = %+v: empty registry or repository without an error", s, r)
		}
		for _, part := range []string{r.Registry, r.Repository, r.Tag, r.Digest} {
			if strings.IndexFunc(part, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
				t.Fatalf("Parse(%q) = %+v: a part is not printable ASCII", s, r)
			}
		}
		if r.Digest != "" && !strings.Contains(r.Digest, ":") {
			t.Fatalf("Parse(%q) = %+v: digest without an algorithm", s, r)
		}
		// An image is always allowed by its own registry and its own name.
		if !r.Allowed([]string{r.Registry}) || !r.Allowed([]string{r.Name()}) {
			t.Fatalf("Parse(%q) = %+v: not allowed by its own registry or name", s, r)
		}
	})
}
