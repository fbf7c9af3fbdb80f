package rbac

import (
	"sort"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// State is what escalation depends on besides RBAC: which namespaces and
// ServiceAccounts exist, which ServiceAccounts running pods use, which
// Secrets hold ServiceAccount tokens, and where Pod Security admission
// lets privileged pods in.
type State struct {
	// Namespaces, sorted.
	Namespaces []string
	// ServiceAccounts by namespace ("default" is always there).
	ServiceAccounts map[string][]string
	// PodServiceAccounts are the ServiceAccounts of existing pods and
	// workloads, by namespace, where the pods have the token mounted
	// (automountServiceAccountToken, of the pod or else of the
	// ServiceAccount, is not false).
	PodServiceAccounts map[string][]string
	// NodeServiceAccounts are the ServiceAccounts of DaemonSets: a pod of
	// theirs runs on every node, so root on any node holds their tokens.
	NodeServiceAccounts []Ref
	// TokenSecrets maps namespace → Secret name → the ServiceAccount whose
	// long-lived token it holds.
	TokenSecrets map[string]map[string]string
	// Privileged marks namespaces whose Pod Security enforce level admits
	// privileged pods (the level is privileged, or no label is set).
	Privileged map[string]bool
	// Labelled marks namespaces whose enforce level is known from a label.
	Labelled map[string]bool
}

// Ref names a namespaced object.
type Ref struct{ Namespace, Name string }

// StateFrom reads the state of an inventory. Namespaces that objects
// use but that are not themselves in the input are included: a manifest
// set rarely carries its Namespace objects.
func StateFrom(inv *inventory.Inventory) State {
	s := State{ServiceAccounts: map[string][]string{}, PodServiceAccounts: map[string][]string{},
		TokenSecrets: map[string]map[string]string{}, Privileged: map[string]bool{}}
	nss := map[string]bool{}
	labelled := map[string]bool{}
	sas := map[Ref]bool{}
	podSAs := map[Ref]bool{}
	nodeSAs := map[Ref]bool{}
	saAutomount := map[Ref]*bool{}
	type podUse struct {
		sa        Ref
		automount *bool
	}
	var uses []podUse
	for _, o := range inv.Objects() {
		if o.Namespace != "" {
			nss[o.Namespace] = true
		}
		switch t := o.Typed.(type) {
		case *corev1.Namespace:
			nss[t.Name] = true
			if level, ok := t.Labels["pod-security.kubernetes.io/enforce"]; ok {
				labelled[t.Name] = true
				s.Privileged[t.Name] = level == "privileged"
			}
		case *corev1.ServiceAccount:
			sas[Ref{t.Namespace, t.Name}] = true
			saAutomount[Ref{t.Namespace, t.Name}] = t.AutomountServiceAccountToken
		case *corev1.Secret:
			if t.Type == corev1.SecretTypeServiceAccountToken {
				s.addTokenSecret(t.Namespace, t.Name, t.Annotations[corev1.ServiceAccountNameKey])
			}
		case nil:
			// A live scan lists Secrets as metadata only, without their
			// type; the ServiceAccount annotation marks token Secrets.
			if o.Kind == "Secret" {
				s.addTokenSecret(o.Namespace, o.Name, o.Annotations()[corev1.ServiceAccountNameKey])
			}
		}
		if sa, automount, ok := podServiceAccount(o); ok {
			uses = append(uses, podUse{Ref{o.Namespace, sa}, automount})
			sas[Ref{o.Namespace, sa}] = true
			if o.Kind == "DaemonSet" {
				nodeSAs[Ref{o.Namespace, sa}] = true
			}
		}
	}
	for _, u := range uses {
		mounted := u.automount
		if mounted == nil {
			mounted = saAutomount[u.sa]
		}
		if mounted == nil || *mounted {
			podSAs[u.sa] = true
		}
	}
	s.Labelled = labelled
	for ns := range nss {
		s.Namespaces = append(s.Namespaces, ns)
		sas[Ref{ns, "default"}] = true
		if !labelled[ns] {
			s.Privileged[ns] = true
		}
	}
	sort.Strings(s.Namespaces)
	for r := range sas {
		s.ServiceAccounts[r.Namespace] = append(s.ServiceAccounts[r.Namespace], r.Name)
	}
	for r := range podSAs {
		s.PodServiceAccounts[r.Namespace] = append(s.PodServiceAccounts[r.Namespace], r.Name)
	}
	for r := range nodeSAs {
		s.NodeServiceAccounts = append(s.NodeServiceAccounts, r)
	}
	for _, m := range []map[string][]string{s.ServiceAccounts, s.PodServiceAccounts} {
		for _, list := range m {
			sort.Strings(list)
		}
	}
	sort.Slice(s.NodeServiceAccounts, func(i, j int) bool {
		a, b := s.NodeServiceAccounts[i], s.NodeServiceAccounts[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	return s
}

func (s *State) addTokenSecret(ns, name, sa string) {
	if sa == "" {
		return
	}
	m := s.TokenSecrets[ns]
	if m == nil {
		m = map[string]string{}
		s.TokenSecrets[ns] = m
	}
	m[name] = sa
}

// podServiceAccount returns the ServiceAccount a workload's pods run as
// and their automountServiceAccountToken. It reads the typed object
// directly (not Object.PodTemplate, which is not safe to share with
// concurrently running checks).
func podServiceAccount(o *inventory.Object) (string, *bool, bool) {
	var spec *corev1.PodSpec
	switch t := o.Typed.(type) {
	case *corev1.Pod:
		spec = &t.Spec
	case *appsv1.Deployment:
		spec = &t.Spec.Template.Spec
	case *appsv1.StatefulSet:
		spec = &t.Spec.Template.Spec
	case *appsv1.DaemonSet:
		spec = &t.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		spec = &t.Spec.Template.Spec
	case *batchv1.Job:
		spec = &t.Spec.Template.Spec
	case *batchv1.CronJob:
		spec = &t.Spec.JobTemplate.Spec.Template.Spec
	case *corev1.ReplicationController:
		if t.Spec.Template == nil {
			return "", nil, false
		}
		spec = &t.Spec.Template.Spec
	default:
		return "", nil, false
	}
	sa := spec.ServiceAccountName
	if sa == "" {
		sa = spec.DeprecatedServiceAccount
	}
	if sa == "" {
		sa = "default"
	}
	return sa, spec.AutomountServiceAccountToken, true
}

// addBoundServiceAccounts records the ServiceAccounts that bindings name
// (and their namespaces) as existing; withDefaults counts those of
// Kubernetes' default bindings too (its controllers' in kube-system), which
// every cluster has.
func (s *State) addBoundServiceAccounts(p *Policy, withDefaults bool) {
	have := map[Ref]bool{}
	for ns, list := range s.ServiceAccounts {
		for _, sa := range list {
			have[Ref{ns, sa}] = true
		}
	}
	nss := map[string]bool{}
	for _, ns := range s.Namespaces {
		nss[ns] = true
	}
	for _, b := range p.Bindings() {
		if b.Object == nil && !withDefaults {
			continue
		}
		for _, sub := range b.Subjects {
			if sub.Kind != rbacv1.ServiceAccountKind {
				continue
			}
			ns := sub.Namespace
			if ns == "" {
				ns = b.Namespace
			}
			if ns == "" || have[Ref{ns, sub.Name}] {
				continue
			}
			have[Ref{ns, sub.Name}] = true
			s.ServiceAccounts[ns] = append(s.ServiceAccounts[ns], sub.Name)
			sort.Strings(s.ServiceAccounts[ns])
			if !nss[ns] {
				nss[ns] = true
				s.Namespaces = append(s.Namespaces, ns)
				if !have[Ref{ns, "default"}] {
					have[Ref{ns, "default"}] = true
					s.ServiceAccounts[ns] = append(s.ServiceAccounts[ns], "default")
					sort.Strings(s.ServiceAccounts[ns])
				}
				if _, labelled := s.Privileged[ns]; !labelled {
					s.Privileged[ns] = true
				}
			}
		}
	}
	sort.Strings(s.Namespaces)
}
