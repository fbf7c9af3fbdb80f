package schema

import (
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeschedulerv1 "k8s.io/kube-scheduler/config/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
)

// The configuration files of Kubernetes components are typed and strictly
// decoded like API objects, so that a scan of a node's files judges them
// (pkg/controlplane) and reports their unknown or misplaced fields, instead
// of calling them unknown kinds: a misspelt kubelet setting is silently
// ignored by the kubelet, which falls back to lenient decoding. Only the
// types are registered, not the components' defaulting: the checks apply
// each component's defaults themselves, telling set values from defaults.
func init() {
	Scheme.AddKnownTypes(kubeletv1beta1.SchemeGroupVersion, &kubeletv1beta1.KubeletConfiguration{}, &kubeletv1beta1.CredentialProviderConfig{})
	Scheme.AddKnownTypes(apiserverv1.SchemeGroupVersion, &apiserverv1.EncryptionConfiguration{}, &apiserverv1.AuthenticationConfiguration{},
		&apiserverv1.AuthorizationConfiguration{}, &apiserverv1.AdmissionConfiguration{}, &apiserverv1.TracingConfiguration{})
	Scheme.AddKnownTypes(auditv1.SchemeGroupVersion, &auditv1.Policy{})
	Scheme.AddKnownTypes(kubeproxyv1alpha1.SchemeGroupVersion, &kubeproxyv1alpha1.KubeProxyConfiguration{})
	Scheme.AddKnownTypes(kubeschedulerv1.SchemeGroupVersion, &kubeschedulerv1.KubeSchedulerConfiguration{})
}
