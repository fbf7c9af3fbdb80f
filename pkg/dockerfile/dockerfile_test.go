package dockerfile

import (
	"slices"
	"testing"
)

func TestParseStages(t *testing.T) {
	src := `# syntax=docker/dockerfile:1
ARG BASE=golang
ARG TAG
FROM --platform=$BUILDPLATFORM ${BASE}:1.24 AS build
RUN go build \
    -o /app .

FROM build AS test
RUN go test ./...

FROM gcr.io/distroless/static:${TAG} AS final
ENV A=1 B="two words"
ARG TOKEN
USER 65532:65532
`
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Stages) != 3 || len(f.MetaArgs) != 2 {
		t.Fatalf("stages %d, meta args %d", len(f.Stages), len(f.MetaArgs))
	}
	b, test, final := f.Stages[0], f.Stages[1], f.Stages[2]
	if b.Image != "golang:1.24" || b.Name != "build" || b.Line != 4 || b.Platform != "$BUILDPLATFORM" || !b.External() {
		t.Errorf("build stage %+v", b)
	}
	if test.Parent != 0 || test.External() {
		t.Errorf("test stage builds on build: %+v", test)
	}
	if !slices.Equal(final.Unresolved, []string{"TAG"}) {
		t.Errorf("TAG has no default: unresolved %v", final.Unresolved)
	}
	if in := b.Instructions[0]; in.Cmd != "run" || in.Line != 5 || in.EndLine != 6 {
		t.Errorf("RUN spans lines 5-6: %+v", in)
	}
	env := final.Instructions[0]
	if len(env.KeyValues) != 2 || env.KeyValues[1] != (KeyValue{Key: "B", Value: "two words", HasValue: true}) {
		t.Errorf("ENV %+v", env.KeyValues)
	}
	if arg := final.Instructions[1]; arg.KeyValues[0].HasValue {
		t.Errorf("ARG without default %+v", arg.KeyValues)
	}
	if got := f.Chain(test); len(got) != 2 || got[1] != b {
		t.Errorf("chain of test %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
	}{
		{"RUN echo hi\n", 1},
		{"FROM alpine\nRUN <<EOF\necho unterminated\n", 2},
		{"# only a comment\n", 1},
	} {
		_, err := Parse("Dockerfile", []byte(tc.src))
		pe, ok := err.(*ParseError)
		if !ok || pe.Line != tc.line {
			t.Errorf("%q: error %v, want a parse error on line %d", tc.src, err, tc.line)
		}
	}
}

func TestIsDockerfile(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile": true, "dockerfile": true, "Containerfile": true, "build/api.Dockerfile": true,
		"Dockerfile.prod": true, "Dockerfile.dockerignore": false, "Dockerfile.md": false, ".Dockerfile": false,
		"Dockerfiles": false, "main.tf": false, "Dockerfile.": false,
	} {
		if got := IsDockerfile(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
