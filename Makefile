# rampart's build, test, lint and benchmark targets. `make test` is what CI runs.
GO ?= go
BIN := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
GOSEC_VERSION := v2.30.0
FUZZTIME ?= 15s

.PHONY: all build demo rbac-data bench-rbac bench-netpol test testbin unit oracle pss-agreement fuzz docs check-docs lint vet fmt-check staticcheck gosec bench clean

all: build

build:
	$(GO) build -o $(BIN)/rampart ./cmd/rampart

# Everything a change must pass: formatting, vet, lint, unit and
# integration tests, a short fuzz run of every parser, and fresh docs.
test: testbin fmt-check vet lint unit oracle pss-agreement fuzz check-docs

# Builds the real kube-apiserver, kube-controller-manager and etcd that
# the tests run against (hack/testbin pins them) into a versioned cache
# folder outside the repository; a no-op when they are there.
testbin:
	bash hack/testbin/build.sh

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/oracle)

# The oracle tests ask the real API server to judge (admission dry-runs,
# strict field validation) and print how many cases agree.
oracle: testbin
	@out=$$($(GO) test -count=1 -v ./test/oracle 2>&1); rc=$$?; \
	echo "$$out" | grep -E 'agree|^(ok|FAIL|--- FAIL)'; exit $$rc

# Prints how many of the upstream Pod Security fixtures rampart agrees on.
pss-agreement:
	@out=$$($(GO) test -count=1 -v -run '^TestAgreementWithUpstreamFixtures$$' ./pkg/checks/pss 2>&1); rc=$$?; \
	echo "$$out" | grep -E 'PSS agreement|^(ok|FAIL|---)'; exit $$rc

# Short coverage-guided runs of the fuzz targets (go test -fuzz).
fuzz:
	GO=$(GO) bash hack/fuzz.sh ./pkg/source FuzzParseDocuments $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/imageref FuzzImageRef $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/inventory FuzzLineScanner $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/contract FuzzParse $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/rbac FuzzSubjectAndResource $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/cloud FuzzReadTerraform $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/cloud FuzzReadJSON $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/dockerfile FuzzParse $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/etcd FuzzClassify $(FUZZTIME)
	GO=$(GO) bash hack/fuzz.sh ./pkg/controlplane FuzzParseArgs $(FUZZTIME)

# docs/checks.md is generated from the check registry.
docs:
	$(GO) run ./cmd/rampart checks -o markdown > docs/checks.md

check-docs:
	$(GO) test -count=1 -run '^TestChecksDocIsFresh$$' ./internal/cli

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

lint: staticcheck gosec

$(BIN)/staticcheck-$(STATICCHECK_VERSION):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(BIN)/staticcheck $@

$(BIN)/gosec-$(GOSEC_VERSION):
	GOBIN=$(BIN) $(GO) install github.com/securego/gosec/v2/cmd/gosec@$(GOSEC_VERSION)
	mv $(BIN)/gosec $@

staticcheck: $(BIN)/staticcheck-$(STATICCHECK_VERSION)
	$< ./...

# Exclusions, each with its reason, live next to the code as #nosec comments.
gosec: $(BIN)/gosec-$(GOSEC_VERSION)
	$< -quiet -exclude-generated ./...

# Starts a test cluster, loads examples/ into it and scans it live.
# rbac-data refreshes pkg/rbac/builtin (API resources, default RBAC
# objects) from the test cluster; TestBuiltinRBACDataIsFresh fails when stale.
rbac-data: testbin
	$(GO) run ./hack/rbacdata

demo: testbin
	$(GO) run ./hack/demo

# Generates a corpus of 20,000+ objects and measures the bare decode, the
# full scan and peak memory in one run (see docs/PERFORMANCE.md).
bench:
	$(GO) run ./bench/run
	$(GO) run ./bench/live
	$(GO) run ./bench/rbac
	$(GO) run ./bench/netpol

# The NetworkPolicy engine alone: the full workload matrix and explains of
# a generated cluster of 10,000 pods and 2,000 policies, and the plain
# pod-pair loop on smaller ones.
bench-netpol:
	$(GO) run ./bench/netpol

# The RBAC engine alone: model, escalation analysis of every subject,
# who-can and can on a large generated estate, and the API server's
# SubjectAccessReviews for the same questions.
bench-rbac:
	$(GO) run ./bench/rbac

clean:
	rm -rf $(BIN)
