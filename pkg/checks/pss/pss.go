// Package pss applies the Pod Security Standards with the library the API
// server's admission uses (k8s.io/pod-security-admission/policy), so that
// rampart judges pods exactly as Pod Security admission would, inherited
// pod-level settings included.
package pss

import (
	"slices"
	"strings"
	"sync"
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
}

// Checks returns one rampart check per check of the library's default set.
func Checks() []check.Check {
	lib := policy.DefaultChecks()
	out := make([]check.Check, 0, len(lib))
	for _, c := range lib {
		inf, ok := metadata[c.ID]
		if !ok {
			// A check added by a newer library still runs, with a neutral description.
			inf = info{title: "Pod Security check " + string(c.ID), severity: finding.SeverityMedium,
				why: "The Pod Security Standards forbid this setting.", remediation: "see the Pod Security Standards"}
		}
		out = append(out, &Check{lib: c, info: inf})
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
	if lv.Level == api.LevelPrivileged || (c.lib.Level == api.LevelRestricted && lv.Level != api.LevelRestricted) {
		return nil
	}
	vc := versionFor(c.lib, lv.Version)
	if vc == nil {
		return nil
	}
	r := vc.CheckPod(pod.Meta, pod.Spec)
	if r.Allowed {
		return nil
	}
	return &r
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
	lv  api.LevelVersion
	err error
}

var levelVersions sync.Map // config.PodSecurity -> levelVersionResult

// LevelVersion reads the configured level and version (each setting parsed once).
func LevelVersion(ctx *check.Context) (api.LevelVersion, error) {
	var key config.PodSecurity
	if ctx.Config != nil {
		key = ctx.Config.PodSecurity
	}
	if v, ok := levelVersions.Load(key); ok {
		r := v.(levelVersionResult)
		return r.lv, r.err
	}
	lv, err := parseLevelVersion(ctx)
	levelVersions.Store(key, levelVersionResult{lv, err})
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
	r := c.Evaluate(lv, pod)
	if r == nil {
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
	for _, c := range policy.DefaultChecks() {
		out = append(out, &Check{lib: c})
	}
	return out
}()

// Strongest returns the strictest Pod Security level the pod passes at a
// policy version: restricted, baseline or privileged.
func Strongest(pod *inventory.PodTemplate, version api.Version) api.Level {
	// One pass at restricted evaluates every check (baseline ones included,
	// as Evaluate never skips them); a baseline check failing decides
	// privileged, a restricted one alone decides baseline.
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: version}
	level := api.LevelRestricted
	for _, c := range libraryChecks {
		if c.Evaluate(lv, pod) == nil {
			continue
		}
		if c.lib.Level == api.LevelBaseline {
			return api.LevelPrivileged
		}
		level = api.LevelBaseline
	}
	return level
}
