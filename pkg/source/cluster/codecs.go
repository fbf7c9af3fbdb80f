package cluster

import (
	"github.com/rampart-k8s/rampart/pkg/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// codecs decode JSON and protobuf into rampart's scheme.
var codecs = serializer.NewCodecFactory(schema.Scheme)
