package schema

import (
	"reflect"

	"github.com/rampart-k8s/rampart/pkg/inventory"
	corev1 "k8s.io/api/core/v1"
)

// applyDefaults applies the API server's defaults that change how an object
// is judged, so that a manifest is evaluated as it would be stored. Today:
// a volume with no source becomes an emptyDir (SetDefaults_Volume), which
// the Pod Security restricted-volumes check then allows, as admission does.
func applyDefaults(obj *inventory.Object) {
	pod := obj.PodTemplate()
	if pod == nil {
		return
	}
	for i := range pod.Spec.Volumes {
		vs := &pod.Spec.Volumes[i].VolumeSource
		if allPointersNil(reflect.ValueOf(vs).Elem()) {
			vs.EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
}

func allPointersNil(v reflect.Value) bool {
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return false
		}
	}
	return true
}
