// Package dockerfilecheck holds the checks of the code layer on
// Dockerfiles: unpinned and unapproved base images, root users, remote
// ADDs, secrets baked into ENV and ARG, piping downloads into a shell, and
// full distributions where a minimal base would do. Base images go through
// pkg/imageref, the parser the manifest image checks use, so that one
// allow-list (images.allowedRegistries) applies to both.
package dockerfilecheck

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/dockerfile"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/glob"
	"github.com/rampart-k8s/rampart/pkg/imageref"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"sigs.k8s.io/yaml"
)

//go:embed data/base-images.yaml
var baseImagesYAML []byte

// BaseImages is the maintained list of base images (data/base-images.yaml).
type BaseImages struct {
	Updated     string   `json:"updated"`
	Full        []string `json:"full"`
	MinimalTags []string `json:"minimalTags"`
	Minimal     []string `json:"minimal"`
	NonRoot     []struct {
		Repository string   `json:"repository"`
		Tags       []string `json:"tags"`
	} `json:"nonRoot"`
}

var baseImages = func() BaseImages {
	var b BaseImages
	if err := yaml.UnmarshalStrict(baseImagesYAML, &b); err != nil {
		panic("dockerfilecheck: data/base-images.yaml: " + err.Error())
	}
	return b
}()

// Checks returns the Dockerfile checks.
func Checks() []check.Check {
	return []check.Check{
		&dfCheck{m: metaUnpinned, fn: unpinned},
		&dfCheck{m: metaRoot, fn: runsAsRoot},
		&dfCheck{m: metaAddRemote, fn: addRemote},
		&dfCheck{m: metaSecret, fn: secretInEnv},
		&dfCheck{m: metaCurlPipe, fn: curlPipeShell},
		&dfCheck{m: metaLarge, fn: largeBase},
		&dfCheck{m: metaNotAllowed, fn: notAllowed},
	}
}

var dfKinds = []string{"Dockerfile", "Containerfile", "*.Dockerfile", "Dockerfile.*"}

var (
	metaUnpinned = check.Meta{
		ID: "dockerfile/base-image-unpinned", Title: "Base image not pinned by digest", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCode,
		Why:         "A tag can be moved to another image at any time; the build then ships what nobody reviewed. latest or no tag changes on every release (high).",
		Remediation: "pin each FROM to a digest: FROM image:tag@sha256:... (let a bot such as Renovate or Dependabot update it)",
		Kinds:       dfKinds,
	}
	metaRoot = check.Meta{
		ID: "dockerfile/runs-as-root", Title: "Image runs as root", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCode,
		Why:         "A container whose process is root is one kernel or runtime bug away from root on the node, and can change everything in its own file system.",
		Remediation: "add USER with a non-zero UID (USER 65532:65532) to the final stage, or start from a non-root base (gcr.io/distroless/static:nonroot)",
		Controls:    []string{"CIS 5.2.7", "PSS restricted"},
		Kinds:       dfKinds,
	}
	metaAddRemote = check.Meta{
		ID: "dockerfile/add-remote", Title: "ADD downloads from a URL", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCode,
		Why:         "ADD with a URL fetches whatever the server returns at build time, unverified unless --checksum is given; the image then contains code nobody reviewed.",
		Remediation: "download with a verified checksum (ADD --checksum=sha256:... or RUN curl ... && sha256sum -c), or COPY a vendored file",
		Kinds:       dfKinds,
	}
	metaSecret = check.Meta{
		ID: "dockerfile/secret-in-env-or-arg", Title: "Secret in ENV or ARG", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCode,
		Why:         "ENV values are stored in the image configuration and ARG values in its history: anyone who can pull the image reads them.",
		Remediation: "pass secrets at build time with RUN --mount=type=secret and at run time from a Secret, never in ENV or ARG",
		Kinds:       dfKinds,
	}
	metaCurlPipe = check.Meta{
		ID: "dockerfile/curl-pipe-shell", Title: "Download piped into a shell", Severity: finding.SeverityMedium,
		Category:    finding.CategoryCode,
		Why:         "curl ... | sh runs whatever the server sends at build time, unverified: a compromised or spoofed server owns the image.",
		Remediation: "download to a file, verify its checksum or signature, then run it; or install from a package manager",
		Kinds:       dfKinds,
	}
	metaLarge = check.Meta{
		ID: "dockerfile/large-base-image", Title: "Final image on a full distribution", Severity: finding.SeverityInfo,
		Category:    finding.CategoryCode,
		Why:         "A full distribution ships a shell, a package manager and hundreds of packages the application does not need: more CVEs to patch and more tools for an attacker.",
		Remediation: "build in a full image, then copy the result into a minimal final stage (distroless, scratch, alpine, a -slim variant)",
		Kinds:       dfKinds,
	}
	metaNotAllowed = check.Meta{
		ID: "dockerfile/base-image-not-allowed", Title: "Base image from a registry outside the allow-list", Severity: finding.SeverityHigh,
		Category:    finding.CategoryCode,
		Why:         "Base images from registries the organisation does not control or scan bypass its supply-chain checks; the same allow-list applies to the images manifests run.",
		Remediation: "pull the base image from an allowed registry (images.allowedRegistries in .rampart.yaml)",
		Kinds:       dfKinds,
	}
)

type dfCheck struct {
	m  check.Meta
	fn func(c *dfCheck, ctx *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result))
}

func (c *dfCheck) Meta() check.Meta { return c.m }

func (c *dfCheck) CheckInventory(ctx *check.Context, report func(check.Result)) {
	for _, a := range ctx.Inventory.Artifacts() {
		if f, ok := a.Value.(*dockerfile.File); ok {
			c.fn(c, ctx, a, f, report)
		}
	}
}

func resource(a *inventory.Artifact) finding.Resource {
	return finding.Resource{Kind: a.Kind, Name: a.Name}
}

func result(a *inventory.Artifact, line int, field, msg string, sev finding.Severity, ev map[string]any) check.Result {
	return check.Result{Resource: resource(a), Location: &finding.Location{File: a.File, Line: line, Field: field},
		Message: msg, Severity: sev, Evidence: ev}
}

func stageField(s *dockerfile.Stage) string {
	if s.Name != "" {
		return fmt.Sprintf("stage[%d](%s).FROM", s.Index, s.Name)
	}
	return fmt.Sprintf("stage[%d].FROM", s.Index)
}

func skip(ctx *check.Context, c *dfCheck, a *inventory.Artifact, line int, field, reason string) {
	ctx.SkipAt(c.m.ID, resource(a).String(), reason, finding.Location{File: a.File, Line: line, Field: field})
}

// baseRef parses a stage's base image; ok is false (after recording why)
// when the stage does not start from a registry image or its name is not
// known.
func baseRef(c *dfCheck, ctx *check.Context, a *inventory.Artifact, s *dockerfile.Stage) (imageref.Ref, bool) {
	if !s.External() {
		return imageref.Ref{}, false
	}
	if len(s.Unresolved) > 0 {
		skip(ctx, c, a, s.Line, stageField(s), fmt.Sprintf("FROM %s: build argument(s) %s have no default, so the base image is not known", s.Base, strings.Join(s.Unresolved, ", ")))
		return imageref.Ref{}, false
	}
	ref, err := imageref.Parse(s.Image)
	if err != nil {
		skip(ctx, c, a, s.Line, stageField(s), "FROM "+s.Image+": "+err.Error())
		return imageref.Ref{}, false
	}
	return ref, true
}

func unpinned(c *dfCheck, ctx *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	for _, s := range f.Stages {
		ref, ok := baseRef(c, ctx, a, s)
		if !ok || ref.Digest != "" {
			continue
		}
		ev := map[string]any{"image": s.Image, "stage": s.Index}
		if ref.Mutable() {
			tag := "no tag (latest)"
			if ref.Tag != "" {
				tag = "tag " + ref.Tag
			}
			report(result(a, s.Line, stageField(s), fmt.Sprintf("FROM %s uses %s and no digest: every build may start from a different image", s.Image, tag), finding.SeverityHigh, ev))
			continue
		}
		report(result(a, s.Line, stageField(s), fmt.Sprintf("FROM %s is not pinned by digest", s.Image), finding.SeverityMedium, ev))
	}
}

// lastUser returns the last USER of a stage's chain, with its stage.
func lastUser(f *dockerfile.File, s *dockerfile.Stage) (*dockerfile.Instruction, *dockerfile.Stage) {
	for _, st := range f.Chain(s) {
		for i := len(st.Instructions) - 1; i >= 0; i-- {
			if in := &st.Instructions[i]; in.Cmd == "user" && len(in.Args) > 0 {
				return in, st
			}
		}
	}
	return nil, nil
}

func isRootUser(u string) bool {
	user, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return user == "root" || user == "0" || strings.TrimLeft(user, "0") == "" && user != ""
}

func nonRootImage(ref imageref.Ref) bool {
	for _, nr := range baseImages.NonRoot {
		if glob.Match(nr.Repository, shortName(ref)) && glob.Any(nr.Tags, ref.Tag) {
			return true
		}
	}
	return false
}

// shortName is the repository as people write it: "ubuntu" for Docker
// Hub's official images, registry/path for others.
func shortName(ref imageref.Ref) string {
	if ref.Registry == imageref.DefaultRegistry {
		return strings.TrimPrefix(ref.Repository, "library/")
	}
	return ref.Name()
}

func runsAsRoot(c *dfCheck, ctx *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	final := f.Final()
	if in, _ := lastUser(f, final); in != nil {
		u := in.Args[0]
		switch {
		case strings.Contains(u, "$"):
			skip(ctx, c, a, in.Line, "USER", "USER "+u+": the user comes from a variable, so it is not known")
		case isRootUser(u):
			report(result(a, in.Line, "USER", fmt.Sprintf("the final stage runs as root (USER %s)", u), finding.SeverityHigh, map[string]any{"user": u}))
		}
		return
	}
	chain := f.Chain(final)
	root := chain[len(chain)-1]
	if root.Scratch() {
		report(result(a, final.Line, stageField(final), "the final stage has no USER and starts from scratch: it runs as UID 0", finding.SeverityHigh, nil))
		return
	}
	if ref, ok := baseRef(c, ctx, a, root); ok && nonRootImage(ref) {
		return
	} else if !ok && root.External() {
		return // recorded as skipped
	}
	report(result(a, final.Line, stageField(final), fmt.Sprintf("the final stage has no USER: it runs as the user of %s, root unless that image sets another", root.Image), finding.SeverityHigh, map[string]any{"image": root.Image}))
}

var remoteSource = regexp.MustCompile(`(?i)^(https?|ftp)://|^git@|\.git(#.*)?$`)

func addRemote(_ *dfCheck, _ *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "add" || len(in.Args) < 2 {
				continue
			}
			checksum := false
			for _, fl := range in.Flags {
				if strings.HasPrefix(fl, "--checksum") {
					checksum = true
				}
			}
			for _, src := range in.Args[:len(in.Args)-1] {
				if !remoteSource.MatchString(src) {
					continue
				}
				if checksum {
					report(result(a, in.Line, "ADD", "ADD downloads "+src+" (verified by --checksum)", finding.SeverityLow, map[string]any{"url": src}))
				} else {
					report(result(a, in.Line, "ADD", "ADD downloads "+src+" at build time without verifying it", finding.SeverityMedium, map[string]any{"url": src}))
				}
			}
		}
	}
}

var (
	secretName = regexp.MustCompile(`(?i)(^|[_.-])(pass|passwd|password|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|credentials?|auth|client[_-]?secret|signing[_-]?key)($|[_.-])`)
	// Names that hold where a secret is, or that it is not a secret.
	notSecretName = regexp.MustCompile(`(?i)([_.-](file|path|dir|url|uri|host|name|id|version|type|mode|enabled|length|header|endpoint|format)$)|^(pass|auth)$|^(no|public)[_-]`)
	onlyReference = regexp.MustCompile(`^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$`)
)

func secretInEnv(_ *dfCheck, _ *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	look := func(in dockerfile.Instruction) {
		for _, kv := range in.KeyValues {
			if !secretName.MatchString(kv.Key) || notSecretName.MatchString(kv.Key) {
				continue
			}
			cmd := strings.ToUpper(in.Cmd)
			ev := map[string]any{"name": kv.Key, "instruction": cmd}
			field := cmd + " " + kv.Key
			switch {
			case kv.HasValue && kv.Value != "" && !onlyReference.MatchString(kv.Value):
				report(result(a, in.Line, field, fmt.Sprintf("%s %s sets a credential-like value in the Dockerfile (value not shown): it is stored in the image", cmd, kv.Key), finding.SeverityHigh, ev))
			case in.Cmd == "env" && kv.HasValue && kv.Value != "":
				report(result(a, in.Line, field, fmt.Sprintf("ENV %s copies %s into the image's environment: whoever pulls the image reads it", kv.Key, kv.Value), finding.SeverityMedium, ev))
			case in.Cmd == "arg":
				report(result(a, in.Line, field, fmt.Sprintf("ARG %s takes a credential-like build argument: its value is recorded in the image history", kv.Key), finding.SeverityLow, ev))
			}
		}
	}
	for _, in := range f.MetaArgs {
		look(in)
	}
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			if in.Cmd == "env" || in.Cmd == "arg" {
				look(in)
			}
		}
	}
}

var pipeShell = []*regexp.Regexp{
	regexp.MustCompile(`\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+\S+\s+)?(/usr)?(/bin/)?(ba|z|da|k|a)?sh\b`),
	regexp.MustCompile(`\b(ba|z|da|k)?sh\s+(-\S+\s+)*["']?\$\(\s*(curl|wget)\b`),
	regexp.MustCompile(`\b(ba|z|da|k)?sh\s+<\(\s*(curl|wget)\b`),
	regexp.MustCompile(`\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(python[0-9.]*|perl|ruby|node)\b`),
}

func curlPipeShell(_ *dfCheck, _ *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "run" {
				continue
			}
			texts := append([]string{strings.Join(in.Args, " ")}, in.Heredocs...)
			for _, t := range texts {
				if m := matchPipe(t); m != "" {
					report(result(a, in.Line, "RUN", "RUN pipes a download into an interpreter: "+m, finding.SeverityMedium, map[string]any{"command": m}))
					break
				}
			}
		}
	}
}

func matchPipe(s string) string {
	for _, re := range pipeShell {
		if m := re.FindString(s); m != "" {
			m = withoutCredentials(m)
			if len(m) > 120 {
				m = m[:117] + "..."
			}
			return m
		}
	}
	return ""
}

var (
	// credentialFlags are curl's and wget's options whose value may be a
	// credential (a user:password, an Authorization header, a password).
	credentialFlags = regexp.MustCompile(`(?i)(^|\s)(-u|--user|-H|--header|--proxy-user|-U|--password|--http-password|--ftp-password|--proxy-password|--oauth2-bearer)(=|\s+)("[^"]*"|'[^']*'|\S+)`)
	// urlSecrets are a URL's user information and query string.
	urlUserinfo = regexp.MustCompile(`(://)[^/\s'"@]+@`)
	urlQuery    = regexp.MustCompile(`(://[^\s'"?]*)\?[^\s'"|;&)]*`)
)

// withoutCredentials masks what a download command may carry as a secret:
// the values of credential options, a URL's user information and its
// query (tokens often ride there). Evidence never holds secret values.
func withoutCredentials(m string) string {
	m = credentialFlags.ReplaceAllString(m, "$1$2$3***")
	m = urlUserinfo.ReplaceAllString(m, "$1***@")
	return urlQuery.ReplaceAllString(m, "$1?***")
}

func largeBase(c *dfCheck, ctx *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	chain := f.Chain(f.Final())
	root := chain[len(chain)-1]
	if !root.External() || len(root.Unresolved) > 0 {
		return
	}
	ref, err := imageref.Parse(root.Image)
	if err != nil {
		return
	}
	name := shortName(ref)
	if glob.Any(baseImages.Minimal, name) || !glob.Any(baseImages.Full, name) {
		return
	}
	tag := strings.ToLower(ref.Tag)
	for _, t := range baseImages.MinimalTags {
		if strings.Contains(tag, t) {
			return
		}
	}
	report(result(a, root.Line, stageField(root), fmt.Sprintf("the final image starts from %s, a full distribution: a minimal base (distroless, scratch, alpine, -slim) would ship less", root.Image),
		finding.SeverityInfo, map[string]any{"image": root.Image}))
}

func notAllowed(c *dfCheck, ctx *check.Context, a *inventory.Artifact, f *dockerfile.File, report func(check.Result)) {
	allowed := ctx.Config.Images.AllowedRegistries
	if len(allowed) == 0 {
		return
	}
	for _, s := range f.Stages {
		ref, ok := baseRef(c, ctx, a, s)
		if !ok || ref.Allowed(allowed) {
			continue
		}
		report(result(a, s.Line, stageField(s), fmt.Sprintf("FROM %s pulls from %s, which is not an allowed registry", s.Image, ref.Registry), finding.SeverityHigh,
			map[string]any{"image": s.Image, "registry": ref.Registry}))
	}
}
