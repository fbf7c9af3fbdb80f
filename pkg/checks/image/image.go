// Package image checks the container images workloads run: mutable tags,
// missing digests and registries outside the allow-list.
package image

import (
	"fmt"

	"github.com/rampart-k8s/rampart/pkg/check"
	"github.com/rampart-k8s/rampart/pkg/finding"
	"github.com/rampart-k8s/rampart/pkg/imageref"
	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// Checks returns the image checks.
func Checks() []check.Check { return []check.Check{mutableTag, noDigest, registryNotAllowed} }

// eachImage calls fn for every container image of a workload.
func eachImage(obj *inventory.Object, fn func(c inventory.ContainerRef, ref imageref.Ref, err error)) {
	pod := obj.PodTemplate()
	if pod == nil {
		return
	}
	for _, c := range pod.Containers() {
		if c.C.Image == "" {
			continue
		}
		ref, err := imageref.Parse(c.C.Image)
		fn(c, ref, err)
	}
}

var mutableTag = &check.Func{
	M: check.Meta{
		ID: "image/mutable-tag", Title: "Image uses latest or no tag", Severity: finding.SeverityMedium,
		Category:    finding.CategoryContainer,
		Why:         "latest (or no tag) can point at a different image on every pull: what runs is not what was reviewed.",
		Remediation: "pin the image to a version tag, better to a digest (image@sha256:...)",
		Kinds:       check.WorkloadKinds,
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		eachImage(obj, func(c inventory.ContainerRef, ref imageref.Ref, err error) {
			if err != nil || !ref.Mutable() {
				return
			}
			tag := "no tag (latest)"
			if ref.Tag != "" {
				tag = "tag " + ref.Tag
			}
			report(check.Result{Field: c.Path + ".image", Evidence: map[string]any{"container": c.C.Name, "image": c.C.Image},
				Message: fmt.Sprintf("%s %q uses image %s with %s", c.Kind, c.C.Name, c.C.Image, tag)})
		})
	},
}

var noDigest = &check.Func{
	M: check.Meta{
		ID: "image/no-digest", Title: "Image not pinned by digest", Severity: finding.SeverityLow,
		Category:    finding.CategoryContainer,
		Why:         "Tags can be moved; only a digest names exactly one image.",
		Remediation: "reference the image by digest (image:tag@sha256:...)",
		Kinds:       check.WorkloadKinds,
	},
	Fn: func(_ *check.Context, obj *inventory.Object, report func(check.Result)) {
		eachImage(obj, func(c inventory.ContainerRef, ref imageref.Ref, err error) {
			if err != nil || ref.Digest != "" || ref.Mutable() {
				return // mutable tags are reported by image/mutable-tag
			}
			report(check.Result{Field: c.Path + ".image", Evidence: map[string]any{"container": c.C.Name, "image": c.C.Image},
				Message: fmt.Sprintf("%s %q uses image %s without a digest", c.Kind, c.C.Name, c.C.Image)})
		})
	},
}

var registryNotAllowed = &check.Func{
	M: check.Meta{
		ID: "image/registry-not-allowed", Title: "Image from a registry outside the allow-list", Severity: finding.SeverityHigh,
		Category:    finding.CategoryContainer,
		Why:         "Images from registries the organisation does not control or scan bypass its supply-chain checks.",
		Remediation: "pull the image from an allowed registry (images.allowedRegistries in .rampart.yaml)",
		Kinds:       check.WorkloadKinds,
	},
	Fn: func(ctx *check.Context, obj *inventory.Object, report func(check.Result)) {
		allowed := ctx.Config.Images.AllowedRegistries
		if len(allowed) == 0 {
			return
		}
		eachImage(obj, func(c inventory.ContainerRef, ref imageref.Ref, err error) {
			if err == nil && ref.Allowed(allowed) {
				return
			}
			report(check.Result{Field: c.Path + ".image", Evidence: map[string]any{"container": c.C.Name, "image": c.C.Image, "registry": ref.Registry},
				Message: fmt.Sprintf("%s %q pulls %s from %s, which is not an allowed registry", c.Kind, c.C.Name, c.C.Image, ref.Registry)})
		})
	},
}
