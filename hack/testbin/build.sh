#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the pinned
# modules of this folder into the versioned cache folder given as $1 (or
# $RAMPART_TESTBIN), stamping the real versions in. Does nothing when the
# binaries are there already.
set -euo pipefail
cd "$(dirname "$0")"
k8s=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
etcd=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
dir=${1:-${RAMPART_TESTBIN:-${XDG_CACHE_HOME:-$HOME/.cache}/rampart/testbin/${k8s}-etcd${etcd}}}
if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kube-controller-manager" ] && [ -x "$dir/etcd" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir.tmp"
minor=$(echo "$k8s" | cut -d. -f2)
ver="-X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
echo "building kube-apiserver $k8s, kube-controller-manager $k8s and etcd $etcd into $dir (cold: several minutes)" >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ver" -o "$dir.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ver" -o "$dir.tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=release" -o "$dir.tmp/etcd" go.etcd.io/etcd/server/v3
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
