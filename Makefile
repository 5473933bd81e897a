# openshell-operator — build, run and test.
#
#   make run     start the embedded local cluster with the operator and the examples
#   make test    run every test: unit, integration against the local API server, kubectl scenarios
#   make bench   run the benchmarks and print their figures
#   make static  the release binary the container image ships (Swift runtime linked in)
#   make e2e     run that binary against the local cluster until the examples are Ready
#   make docs    regenerate the generated docs (docs/crd-reference.md)
#
# Both targets install missing system packages first (apt-get; root needed).

SWIFT ?= swift
STATE_DIR ?= .local-cluster
SWIFT_BUILD_FLAGS ?=

.PHONY: all deps build run test bench static e2e fresh-clone-check docs clean

all: build

deps:
	@scripts/ensure-system-deps.sh --with-kubectl

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

run: build
	$(SWIFT) run $(SWIFT_BUILD_FLAGS) local-cluster --state-dir $(STATE_DIR) --crds crds --operator --examples examples $(RUN_ARGS)

# Test targets run one after another (each still runs its own tests in
# parallel), so suites that start servers do not compete with every other
# suite for the machine's two cores.
TEST_TARGETS ?= $(notdir $(wildcard Tests/*Tests))

test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@set -e; for target in $(TEST_TARGETS); do \
		echo "== $$target"; \
		$(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --filter "^$$target\." ; \
	done

bench: deps
	$(SWIFT) build -c release --product apiserver-bench $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product operator-bench $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product controller-harness $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product openshell-operator $(SWIFT_BUILD_FLAGS)
	.build/release/apiserver-bench $(BENCH_ARGS)
	.build/release/operator-bench queue
	.build/release/operator-bench informer
	.build/release/operator-bench restart
	.build/release/operator-bench sandboxes
	.build/release/operator-bench failover
	.build/release/operator-bench memory

# The binary of the Containerfile: release, the Swift runtime linked statically.
static: deps
	$(SWIFT) build -c release --static-swift-stdlib --product openshell-operator

e2e: static
	scripts/e2e-static.sh

# The README's `make run` from a fresh clone of HEAD (CI runs it).
fresh-clone-check:
	scripts/fresh-clone-check.sh

# The built binary is run directly: `swift run` could mix its build output into the file.
docs: build
	"$$($(SWIFT) build --show-bin-path $(SWIFT_BUILD_FLAGS))/openshell-operator" crds --reference > docs/crd-reference.md

# Chaos runs (docs/chaos.md): the operator binary SIGKILLed 100 times while
# 1,000 sandboxes change, and the same workload under API faults; both end
# with the invariant checker and fail on any violation. CHAOS_ARGS adds flags
# (e.g. CHAOS_ARGS="--count 200 --seed 7"; see operator-chaos crash --help).
.PHONY: chaos-crash chaos-api

chaos-crash: deps
	$(SWIFT) build -c release --product openshell-operator $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product operator-chaos $(SWIFT_BUILD_FLAGS)
	.build/release/operator-chaos crash $(CHAOS_ARGS)

chaos-api: deps
	$(SWIFT) build -c release --product openshell-operator $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product operator-chaos $(SWIFT_BUILD_FLAGS)
	.build/release/operator-chaos api $(CHAOS_ARGS)

clean:
	rm -rf .build $(STATE_DIR)
