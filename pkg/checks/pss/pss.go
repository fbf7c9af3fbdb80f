// Package pss applies the Pod Security Standards with the library the API
// server's admission uses (k8s.io/pod-security-admission/policy), so that
// rampart judges pods exactly as Pod Security admission would, inherited
// pod-level settings included.
package pss

import (
	"slices"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/config"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/inventory"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Check wraps one check of the library.
type Check struct {
	lib  policy.Check
	info info
	// index is the check's place in libraryChecks (and in verdicts).
	index int
}

// Checks returns one rampart check per check of the library's default set.
func Checks() []check.Check {
	out := make([]check.Check, 0, len(libraryChecks))
	for i, lc := range libraryChecks {
		c := lc.lib
		inf, ok := metadata[c.ID]
		if !ok {
			// A check added by a newer library still runs, with a neutral description.
			inf = info{title: "Pod Security check " + string(c.ID), severity: finding.SeverityMedium,
				why: "The Pod Security Standards forbid this setting.", remediation: "see the Pod Security Standards"}
		}
		out = append(out, &Check{lib: c, info: inf, index: i})
	}
	return out
}

// ID converts the library's check ID to rampart's: pss/<kebab-case>.
func ID(lib policy.CheckID) string {
	var b strings.Builder
	s := string(lib)
	for i, r := range s {
		switch {
		case r == '_':
			b.WriteByte('-')
		case unicode.IsUpper(r):
			if i > 0 && s[i-1] != '_' {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return "pss/" + b.String()
}

// LibraryID is the library check this rampart check runs.
func (c *Check) LibraryID() policy.CheckID { return c.lib.ID }

// Level is the PSS level the check belongs to.
func (c *Check) Level() api.Level { return c.lib.Level }

func (c *Check) Meta() check.Meta {
	controls := append([]string{"PSS " + string(c.lib.Level)}, c.info.cis...)
	return check.Meta{
		ID: ID(c.lib.ID), Title: c.info.title, Severity: c.info.severity, Category: finding.CategoryContainer,
		Why: c.info.why, Remediation: c.info.remediation, Controls: controls,
		Kinds: append(slices.Clone(check.WorkloadKinds), "PodTemplate"),
	}
}

// Evaluate runs the check on one pod at a level and version. Restricted
// checks do not apply at baseline. Unlike admission, a baseline check is not
// skipped at restricted when a restricted check replaces it: a restricted
// pass implies a baseline pass for every such pair, so verdicts agree, and
// the user keeps the specific, higher-severity finding (hostPath volumes,
// added SYS_ADMIN) next to the broader restricted one.
// It returns nil when the check passes or does not apply.
func (c *Check) Evaluate(lv api.LevelVersion, pod *inventory.PodTemplate) *policy.CheckResult {
	if !c.applies(lv.Level) {
		return nil
	}
	r := c.evaluate(lv.Version, pod)
	if r.Allowed {
		return nil
	}
	return &r
}

// applies reports whether the check applies at a policy level.
func (c *Check) applies(level api.Level) bool {
	return level != api.LevelPrivileged && (c.lib.Level != api.LevelRestricted || level == api.LevelRestricted)
}

// evaluate runs the check on one pod at a version, whatever the level; the
// result is Allowed when the check passes or has no revision at that version.
func (c *Check) evaluate(version api.Version, pod *inventory.PodTemplate) policy.CheckResult {
	vc := versionFor(c.lib, version)
	if vc == nil {
		return policy.CheckResult{Allowed: true}
	}
	return vc.CheckPod(pod.Meta, pod.Spec)
}

// versionFor picks the revision of a check that applies at a policy version.
func versionFor(c policy.Check, v api.Version) *policy.VersionedCheck {
	var found *policy.VersionedCheck
	for i := range c.Versions {
		if v.Latest() || !v.Older(c.Versions[i].MinimumVersion) {
			found = &c.Versions[i]
		}
	}
	return found
}

type levelVersionResult struct {
	key config.PodSecurity
	lv  api.LevelVersion
	err error
}

// lastLevelVersion is the last setting parsed: every pss check asks for
// every pod, nearly always with the same setting.
var lastLevelVersion atomic.Pointer[levelVersionResult]

// LevelVersion reads the configured level and version.
func LevelVersion(ctx *check.Context) (api.LevelVersion, error) {
	var key config.PodSecurity
	if ctx.Config != nil {
		key = ctx.Config.PodSecurity
	}
	if r := lastLevelVersion.Load(); r != nil && r.key == key {
		return r.lv, r.err
	}
	lv, err := parseLevelVersion(ctx)
	lastLevelVersion.Store(&levelVersionResult{key, lv, err})
	return lv, err
}

func parseLevelVersion(ctx *check.Context) (api.LevelVersion, error) {
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	if ctx.Config == nil {
		return lv, nil
	}
	if s := ctx.Config.PodSecurity.Level; s != "" {
		l, err := api.ParseLevel(s)
		if err != nil {
			return lv, err
		}
		lv.Level = l
	}
	if s := ctx.Config.PodSecurity.Version; s != "" {
		v, err := api.ParseVersion(s)
		if err != nil {
			return lv, err
		}
		lv.Version = v
	}
	return lv, nil
}

func (c *Check) CheckObject(ctx *check.Context, obj *inventory.Object, report func(check.Result)) {
	pod := obj.PodTemplate()
	if pod == nil {
		return
	}
	lv, err := LevelVersion(ctx)
	if err != nil {
		return
	}
	if !c.applies(lv.Level) {
		return
	}
	// Every pss check and the namespace mismatch check read the same
	// evaluation of the pod, made once.
	r := &verdicts(pod, lv.Version)[c.index]
	if r.Allowed {
		return
	}
	msg := r.ForbiddenReason
	if r.ForbiddenDetail != "" {
		msg += ": " + r.ForbiddenDetail
	}
	report(check.Result{
		Field:    c.field(pod, r.ForbiddenDetail),
		Message:  msg,
		Evidence: map[string]any{"level": string(c.lib.Level), "reason": r.ForbiddenReason},
	})
}

// quotedNames returns the double-quoted words of the library's detail text
// (the container names it blames), in order.
func quotedNames(detail string) []string {
	var out []string
	for {
		i := strings.IndexByte(detail, '"')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(detail[i+1:], '"')
		if j < 0 {
			return out
		}
		if j > 0 {
			out = append(out, detail[i+1:i+1+j])
		}
		detail = detail[i+j+2:]
	}
}

// field points the finding at the first container the library names, or at
// the pod-level setting.
func (c *Check) field(pod *inventory.PodTemplate, detail string) string {
	if c.info.containerField != "" {
		for _, name := range quotedNames(detail) {
			for _, ref := range pod.Containers() {
				if ref.C.Name == name {
					return ref.Path + "." + c.info.containerField
				}
			}
		}
		// The library also blames pod-level settings (for example a pod
		// seccompProfile of Unconfined); point at the pod security context.
		return pod.SpecPath + ".securityContext"
	}
	if c.lib.ID == "hostNamespaces" {
		// The detail reads "hostNetwork=true, hostPID=true": point at the first.
		if name, _, ok := strings.Cut(detail, "="); ok && !strings.ContainsAny(name, " ,") {
			return pod.SpecPath + "." + name
		}
	}
	if c.info.podField != "" {
		return pod.SpecPath + "." + c.info.podField
	}
	return pod.SpecPath
}

// libraryChecks are the library's checks, built once.
var libraryChecks = func() []*Check {
	var out []*Check
	for i, c := range policy.DefaultChecks() {
		out = append(out, &Check{lib: c, index: i})
	}
	return out
}()

// verdictsKey keys a pod's evaluation at one policy version (PodTemplate.Memo).
type verdictsKey struct{ version api.Version }

// verdicts evaluates every library check on a pod at a policy version,
// once per pod and version: the pss checks and Strongest (for the
// namespace mismatch check) share the result. Element i is libraryChecks[i]'s
// result, Allowed when the check passes or has no revision at that version.
// Evaluating at restricted covers every level: a level only decides which
// checks apply (Check.applies), never how a check judges the pod.
func verdicts(pod *inventory.PodTemplate, version api.Version) []policy.CheckResult {
	return pod.Memo(verdictsKey{version}, func() any {
		out := make([]policy.CheckResult, len(libraryChecks))
		for i, c := range libraryChecks {
			out[i] = c.evaluate(version, pod)
		}
		return out
	}).([]policy.CheckResult)
}

// Strongest returns the strictest Pod Security level the pod passes at a
// policy version: restricted, baseline or privileged.
func Strongest(pod *inventory.PodTemplate, version api.Version) api.Level {
	// Every check is evaluated (verdicts); a baseline check failing decides
	// privileged, a restricted one alone decides baseline.
	level := api.LevelRestricted
	for i, r := range verdicts(pod, version) {
		if r.Allowed {
			continue
		}
		if libraryChecks[i].lib.Level == api.LevelBaseline {
			return api.LevelPrivileged
		}
		level = api.LevelBaseline
	}
	return level
}
