package controlplane

import (
	"fmt"
	"strings"
)

// etcdEnv is the environment variable etcd reads a flag from.
func etcdEnv(flag string) string {
	return "ETCD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// etcdConfigPath is etcd's --config-file, or ETCD_CONFIG_FILE: with one,
// etcd ignores every other flag and variable.
func (c *Component) etcdConfigPath() string {
	if o, ok := c.Args.Last("config-file"); ok {
		return o.Value
	}
	if e, ok := c.env[etcdEnv("config-file")]; ok && e.known {
		return e.value
	}
	return ""
}

// etcdFileKey is where etcd's config file holds a flag's setting.
func etcdFileKey(flag string) []string {
	switch flag {
	case "cert-file", "key-file", "client-cert-auth", "trusted-ca-file", "auto-tls":
		return []string{"client-transport-security", flag}
	case "peer-cert-file", "peer-key-file", "peer-client-cert-auth", "peer-trusted-ca-file", "peer-auto-tls":
		return []string{"peer-transport-security", strings.TrimPrefix(flag, "peer-")}
	}
	return []string{flag}
}

// etcdValue resolves an etcd setting as etcd does: from the config file
// when there is one (flags and environment are then ignored), else the
// flag, else its ETCD_ variable (etcd refuses to start when both are
// given), else the default.
func (c *Component) etcdValue(name, def string) Value {
	if cfg := c.etcdConfigPath(); cfg != "" {
		key := etcdFileKey(name)
		v := Value{Setting: strings.Join(key, "."), Object: c.Object, Field: c.flagField(-1, "config-file")}
		if c.configFile == nil {
			v.Unknown = fmt.Sprintf("etcd reads its settings from %s, which was not read", cfg)
			return v
		}
		v.Object, v.Field = c.configFile, strings.Join(key, ".")
		raw, found := lookup(c.model.docs[c.configFile], key)
		if !found {
			v.Raw, v.Source = def, "default (not in "+cfg+")"
			return v
		}
		v.Raw, v.Set, v.Source = scalarText(raw), true, "config file "+cfg
		return v
	}
	v := c.flagValue(name, def, false)
	env := etcdEnv(name)
	e, hasEnv := c.env[env]
	if v.Set {
		if hasEnv {
			v.Note = fmt.Sprintf("%s is set too: etcd refuses to start when a flag and its variable are both given", env)
		}
		return v
	}
	switch {
	case hasEnv && !e.known:
		v.Unknown = fmt.Sprintf("%s comes from a reference (valueFrom) rampart cannot resolve", env)
	case hasEnv && e.value != "":
		v.Raw, v.Set, v.Source = e.value, true, "environment "+env
		if e.field != "" {
			v.Field = e.field
		} else {
			v.Field = env
		}
	case c.Process != nil && c.Container == nil && !c.Process.EnvRead:
		v.Unknown = fmt.Sprintf("--%s is not on the command line and the process's environment (where %s could set it) is unreadable", name, env)
	}
	return v
}
