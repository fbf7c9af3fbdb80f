package dockerfilecheck

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/dockerfile"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

const pinned = "@sha256:0000000000000000000000000000000000000000000000000000000000000000"

// run applies one check to one Dockerfile and returns "severity:line"
// per finding and "skipped:line" per skipped entry.
func run(t *testing.T, id string, src string, cfg *config.Config) []string {
	t.Helper()
	f, err := dockerfile.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	inv := inventory.New(nil)
	inv.AddArtifacts(&inventory.Artifact{Kind: "Dockerfile", Name: "Dockerfile", File: "Dockerfile", Value: f})
	if cfg == nil {
		cfg = config.Default()
	}
	ctx := &check.Context{Inventory: inv, Config: cfg}
	var out []string
	for _, c := range Checks() {
		if c.Meta().ID != id {
			continue
		}
		c.(check.InventoryCheck).CheckInventory(ctx, func(r check.Result) {
			sev := r.Severity
			if sev == 0 {
				sev = c.Meta().Severity
			}
			out = append(out, fmt.Sprintf("%s:%d", sev, r.Location.Line))
			if strings.Contains(r.Message, "0123456789") {
				t.Errorf("a secret value is printed: %s", r.Message)
			}
		})
	}
	for _, s := range ctx.Skipped() {
		out = append(out, fmt.Sprintf("skipped:%d", s.Location.Line))
	}
	return out
}

func TestDockerfileChecks(t *testing.T) {
	cases := []struct {
		id, name, src string
		want          []string
	}{
		{"dockerfile/base-image-unpinned", "digest", "FROM alpine:3.20" + pinned + "\n", nil},
		{"dockerfile/base-image-unpinned", "tag only", "FROM alpine:3.20\n", []string{"medium:1"}},
		{"dockerfile/base-image-unpinned", "latest", "FROM alpine:latest\n", []string{"high:1"}},
		{"dockerfile/base-image-unpinned", "no tag", "FROM docker.io/library/alpine\n", []string{"high:1"}},
		{"dockerfile/base-image-unpinned", "ARG default resolved", "ARG V=3.20\nFROM alpine:${V}\n", []string{"medium:2"}},
		{"dockerfile/base-image-unpinned", "ARG without default is unknown", "ARG V\nFROM alpine:${V}\n", []string{"skipped:2"}},
		{"dockerfile/base-image-unpinned", "stages and scratch are not images", "FROM golang:1.24" + pinned + " AS b\nFROM b AS c\nFROM scratch\nCOPY --from=c /x /x\n", nil},

		{"dockerfile/runs-as-root", "non-root user", "FROM alpine\nUSER 10001:10001\n", nil},
		{"dockerfile/runs-as-root", "no USER", "FROM alpine\nRUN true\n", []string{"high:1"}},
		{"dockerfile/runs-as-root", "USER root", "FROM alpine\nUSER app\nUSER root\n", []string{"high:3"}},
		{"dockerfile/runs-as-root", "USER 0:0", "FROM alpine\nUSER 0:0\n", []string{"high:2"}},
		{"dockerfile/runs-as-root", "scratch without USER", "FROM scratch\nCOPY x /x\n", []string{"high:1"}},
		{"dockerfile/runs-as-root", "USER in a builder stage only", "FROM alpine AS b\nUSER 1000\nFROM alpine\nCOPY --from=b /x /x\n", []string{"high:3"}},
		{"dockerfile/runs-as-root", "inherited from the stage it builds on", "FROM alpine AS base\nUSER 1000\nFROM base\nRUN true\n", nil},
		{"dockerfile/runs-as-root", "distroless nonroot", "FROM gcr.io/distroless/static:nonroot\nCOPY x /x\n", nil},
		{"dockerfile/runs-as-root", "user from a variable", "FROM alpine\nARG U\nUSER $U\n", []string{"skipped:3"}},

		{"dockerfile/add-remote", "local ADD", "FROM alpine\nADD app.tar.gz /app/\n", nil},
		{"dockerfile/add-remote", "URL", "FROM alpine\nADD https://example.com/x.tgz /x\n", []string{"medium:2"}},
		{"dockerfile/add-remote", "git", "FROM alpine\nADD git@github.com:o/r.git /src\n", []string{"medium:2"}},
		{"dockerfile/add-remote", "URL with checksum", "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.tgz /x\n", []string{"low:2"}},

		{"dockerfile/secret-in-env-or-arg", "harmless", "FROM alpine\nENV PORT=8080 PASSWORD_FILE=/run/secrets/db\nARG VERSION=1\n", nil},
		{"dockerfile/secret-in-env-or-arg", "literal ENV", "FROM alpine\nENV DB_PASSWORD=hunter2-0123456789\n", []string{"high:2"}},
		{"dockerfile/secret-in-env-or-arg", "old ENV form", "FROM alpine\nENV API_KEY s3cr3t-0123456789\n", []string{"high:2"}},
		{"dockerfile/secret-in-env-or-arg", "ARG default before FROM", "ARG GITHUB_TOKEN=ghp_0123456789\nFROM alpine\n", []string{"high:1"}},
		{"dockerfile/secret-in-env-or-arg", "ENV from a build arg", "FROM alpine\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\n", []string{"low:2", "medium:3"}},

		{"dockerfile/curl-pipe-shell", "download then verify", "FROM alpine\nRUN curl -fsSLo i.sh https://x/i.sh && sha256sum -c i.sha && sh i.sh\n", nil},
		{"dockerfile/curl-pipe-shell", "curl | sh", "FROM alpine\nRUN curl -fsSL https://x/i.sh | sh\n", []string{"medium:2"}},
		{"dockerfile/curl-pipe-shell", "wget | sudo bash", "FROM alpine\nRUN wget -qO- https://x/i.sh | sudo -E bash -\n", []string{"medium:2"}},
		{"dockerfile/curl-pipe-shell", "bash -c $(curl)", "FROM alpine\nRUN bash -c \"$(curl -fsSL https://x/i.sh)\"\n", []string{"medium:2"}},
		{"dockerfile/curl-pipe-shell", "heredoc", "FROM alpine\nRUN <<EOF\nset -e\ncurl -sL https://x/i.sh | bash\nEOF\n", []string{"medium:2"}},

		{"dockerfile/large-base-image", "slim final", "FROM python:3.12-slim\n", nil},
		{"dockerfile/large-base-image", "full builder, minimal final", "FROM golang:1.24 AS b\nFROM gcr.io/distroless/static\n", nil},
		{"dockerfile/large-base-image", "full final", "FROM alpine AS b\nFROM ubuntu:24.04\n", []string{"info:2"}},
		{"dockerfile/large-base-image", "final builds on a full stage", "FROM node:22 AS base\nFROM base\n", []string{"info:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			if got := run(t, tc.id, tc.src, nil); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAllowListSharedWithManifests: images.allowedRegistries applies to
// base images through the same reference parser as manifest images.
func TestAllowListSharedWithManifests(t *testing.T) {
	cfg, err := config.Parse("rampart.yaml", []byte("images:\n  allowedRegistries: [ghcr.io/acme, docker.io]\n"))
	if err != nil {
		t.Fatal(err)
	}
	src := "FROM ghcr.io/acme/base:1" + pinned + " AS a\nFROM nginx:1.27\nFROM quay.io/evil/x:1\nFROM ghcr.io/acmecorp/y:1\n"
	if got, want := run(t, "dockerfile/base-image-not-allowed", src, cfg), []string{"high:3", "high:4"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := run(t, "dockerfile/base-image-not-allowed", src, nil); len(got) != 0 {
		t.Errorf("no allow-list, no finding: %v", got)
	}
}

func TestBaseImageData(t *testing.T) {
	if baseImages.Updated == "" || len(baseImages.Full) == 0 || len(baseImages.MinimalTags) == 0 {
		t.Fatalf("base image data incomplete: %+v", baseImages)
	}
	for _, c := range Checks() {
		if c.Meta().Category != finding.CategoryCode {
			t.Errorf("%s: category %s", c.Meta().ID, c.Meta().Category)
		}
	}
}

// TestCurlPipeShellHidesCredentials: the finding shows the command without
// the credentials it may carry.
func TestCurlPipeShellHidesCredentials(t *testing.T) {
	for _, line := range []string{
		`RUN curl -fsSL -u deploy:hunter2 https://repo.example/install.sh | sh`,
		`RUN curl -H "Authorization: Bearer hunter2" https://repo.example/i.sh | bash`,
		`RUN curl --header='X-Token: hunter2' https://repo.example/i.sh | bash`,
		`RUN wget --password hunter2 -qO- https://repo.example/i.sh | sh`,
		`RUN curl -fsSL https://deploy:hunter2@repo.example/i.sh | sh`,
		`RUN curl -fsSL "https://repo.example/i.sh?token=hunter2" | sh`,
	} {
		m := matchPipe(strings.TrimPrefix(line, "RUN "))
		if m == "" {
			t.Errorf("%s: not found", line)
			continue
		}
		if strings.Contains(m, "hunter2") {
			t.Errorf("%s: the finding shows the secret: %s", line, m)
		}
		if !strings.Contains(m, "repo.example") {
			t.Errorf("%s: the finding should still name the host: %s", line, m)
		}
	}
}
