package controlplane

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-k8s/rampart/pkg/inventory"
)

// kubeletSetting ties a kubelet flag to its KubeletConfiguration field
// and defaults.
type kubeletSetting struct {
	path []string // nil: a flag with no config field
	// def is the value after the config file's defaulting (v1beta1);
	// legacy the value a kubelet started without --config has, where it
	// differs (the command line's historical defaults).
	def, legacy string
	hasLegacy   bool
	// zeroIsDefault: the config file's defaulting replaces a zero value.
	zeroIsDefault bool
	list          bool
}

// kubeletSettings are the settings the controls read, by flag name. The
// defaults are those of kubelet v1.37 (pkg/kubelet/apis/config/v1beta1
// defaults and cmd/kubelet/app/options applyLegacyDefaults).
var kubeletSettings = map[string]kubeletSetting{
	"anonymous-auth":                    {path: []string{"authentication", "anonymous", "enabled"}, def: "false", legacy: "true", hasLegacy: true},
	"authentication-token-webhook":      {path: []string{"authentication", "webhook", "enabled"}, def: "true", legacy: "false", hasLegacy: true},
	"authorization-mode":                {path: []string{"authorization", "mode"}, def: "Webhook", legacy: "AlwaysAllow", hasLegacy: true},
	"client-ca-file":                    {path: []string{"authentication", "x509", "clientCAFile"}},
	"read-only-port":                    {path: []string{"readOnlyPort"}, def: "0", legacy: "10255", hasLegacy: true},
	"streaming-connection-idle-timeout": {path: []string{"streamingConnectionIdleTimeout"}, def: "4h0m0s", zeroIsDefault: true},
	"make-iptables-util-chains":         {path: []string{"makeIPTablesUtilChains"}, def: "true"},
	"event-qps":                         {path: []string{"eventRecordQPS"}, def: "50"},
	"tls-cert-file":                     {path: []string{"tlsCertFile"}},
	"tls-private-key-file":              {path: []string{"tlsPrivateKeyFile"}},
	"rotate-server-certificates":        {path: []string{"serverTLSBootstrap"}, def: "false"},
	"rotate-certificates":               {path: []string{"rotateCertificates"}, def: "false"},
	"tls-cipher-suites":                 {path: []string{"tlsCipherSuites"}, list: true},
	"pod-max-pids":                      {path: []string{"podPidsLimit"}, def: "-1"},
	"seccomp-default":                   {path: []string{"seccompDefault"}, def: "false"},
	"protect-kernel-defaults":           {path: []string{"protectKernelDefaults"}, def: "false"},
	"pod-manifest-path":                 {path: []string{"staticPodPath"}},
	"hostname-override":                 {},
	"kubeconfig":                        {},
	"bootstrap-kubeconfig":              {},
}

// KubeletValue resolves a kubelet setting as the kubelet does: its flag,
// else the last drop-in of --config-dir that sets it, else the --config
// file, else the default, which for a kubelet started without --config
// is the command line's (legacy) default: anonymous requests allowed,
// AlwaysAllow, the read-only port 10255.
func (c *Component) KubeletValue(name string) Value {
	s, ok := kubeletSettings[name]
	if !ok {
		panic("controlplane: unknown kubelet setting " + name)
	}
	configPath := ""
	if !c.configOnly {
		if v := c.flagValue(name, "", s.list); v.Set {
			return v
		}
		configPath = c.Flag("config", "").Raw
	}
	field := strings.Join(s.path, ".")
	v := Value{Setting: "--" + name, Object: c.Object, Field: c.flagField(-1, name)}
	if s.path == nil {
		if c.configOnly {
			v.Unknown = fmt.Sprintf("--%s is a command-line flag; a KubeletConfiguration cannot set it", name)
		} else {
			v.Source = "not set"
		}
		return v
	}
	fromDoc := func(o *inventory.Object, raw any, source string) Value {
		v := Value{Setting: field, Object: o, Field: field, Set: true, Source: source, Raw: scalarText(raw)}
		if s.zeroIsDefault && isZero(v.Raw) {
			v.Raw, v.Set = s.def, false
			v.Note = fmt.Sprintf("%s: 0 is replaced by the default %s when the kubelet loads the file", field, s.def)
		}
		return v
	}
	for i := len(c.kubeletDropIns) - 1; i >= 0; i-- {
		o := c.kubeletDropIns[i]
		raw, present, null := lookupMerge(c.model.docs[o], s.path)
		switch {
		case null:
			// The merge patch deletes the field; the merged file is
			// defaulted again.
			return Value{Setting: field, Object: o, Field: field, Raw: s.def, Source: "default (null in drop-in " + o.Source.File + ")"}
		case present:
			return fromDoc(o, raw, "drop-in "+o.Source.File)
		}
	}
	if cfg := c.kubeletConfig; cfg != nil {
		if raw, ok := lookup(c.model.docs[cfg], s.path); ok {
			return fromDoc(cfg, raw, "config file "+cfg.Source.File)
		}
		v = Value{Setting: field, Object: cfg, Field: field}
	}
	if configPath != "" && c.kubeletConfig == nil {
		v.Unknown = fmt.Sprintf("the kubelet reads %s from its config file %s, which was not read", field, configPath)
		return v
	}
	if configPath == "" && !c.configOnly && s.hasLegacy {
		v.Raw, v.Source = s.legacy, "default of a kubelet without --config"
		return v
	}
	v.Raw, v.Source = s.def, "default"
	if s.def == "" {
		v.Source = "not set"
	}
	return v
}

// lookupMerge reads a path from a drop-in: present with a value, or null
// (the path or a parent written as null, which a merge patch deletes).
func lookupMerge(m map[string]any, key []string) (v any, present, null bool) {
	var cur any = m
	for _, k := range key {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false, false
		}
		next, ok := mm[k]
		if !ok {
			return nil, false, false
		}
		if next == nil {
			return nil, false, true
		}
		cur = next
	}
	return cur, true, false
}

func isZero(s string) bool {
	if d, err := time.ParseDuration(s); err == nil {
		return d == 0
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == 0
}

// KubeletGate resolves a feature gate of the kubelet: --feature-gates
// (merged over the files' featureGates, gate by gate), else the last
// drop-in naming it, else the config file.
func (c *Component) KubeletGate(gate string) (Value, bool) {
	if v, ok := c.FeatureGate(gate); ok {
		return v, true
	}
	key := []string{"featureGates", gate}
	docs := append([]*inventory.Object{c.kubeletConfig}, c.kubeletDropIns...)
	for i := len(docs) - 1; i >= 0; i-- {
		if docs[i] == nil {
			continue
		}
		if raw, ok := lookup(c.model.docs[docs[i]], key); ok {
			return Value{Setting: "featureGates." + gate, Object: docs[i], Field: "featureGates." + gate, Raw: scalarText(raw), Set: true, Source: "config file " + docs[i].Source.File}, true
		}
	}
	return Value{}, false
}

// ValueHostPath places a path-valued setting on this machine: a relative
// path in a kubelet config file resolves against the file's folder, as
// the kubelet resolves it; flags against the process's working folder.
func (c *Component) ValueHostPath(v Value) (string, bool) {
	if v.Raw == "" {
		return "", false
	}
	if v.Object != nil && v.Object == c.kubeletConfig && !path.IsAbs(v.Raw) {
		return path.Join(path.Dir(v.Object.Source.File), v.Raw), true
	}
	return c.HostPath(v.Raw)
}
