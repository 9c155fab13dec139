# Release builds everywhere: the SIMD kernels are far too slow in debug builds.
SWIFT      ?= swift
CONFIG     := -c release
TESTFLAGS  := -c release -Xswiftc -enable-testing
BIN         = $$($(SWIFT) build $(CONFIG) --show-bin-path)/capacity

.PHONY: build test demo bench reproduce clean portable

build:
	$(SWIFT) build $(CONFIG)

test:
	$(SWIFT) test $(TESTFLAGS)

# Trains from scratch every time, in the gitignored demo-results/ (results/quick is the committed
# reference the demo's numbers can be compared with), and says how long it took.
demo: build
	@rm -rf demo-results/quick
	@start=$$(date +%s); \
	$(BIN) run scenarios/quick.json --results demo-results || exit $$?; \
	echo "demo: trained and scored from scratch in $$(( $$(date +%s) - start )) s · demo-results/quick/report.md (reference: results/quick/report.md)"

bench: build
	$(BIN) bench

# The paper's experiments at CPU scale (results/README.md compares them with the paper).
# A rerun skips finished runs; each scenario states its measured wall time in its report.
# Results recorded before paired seeds (runs.jsonl format 1) are never reused: `run` stops on
# them; `make reproduce REPRODUCE_FLAGS=--replace` retrains them (old lines go to superseded.jsonl).
REPRODUCE := exposures-1000 peak-r-vs-n exposures-100 exposures-100-wide size-vs-passes junk bios bios-wide architectures quantization moe memorization memorization-plateau
REPRODUCE_FLAGS ?=

reproduce: build
	@for s in $(REPRODUCE); do $(BIN) run scenarios/$$s.json --no-checkpoints $(REPRODUCE_FLAGS) || exit $$?; done

clean:
	rm -rf .build .build-portable

# The default build targets this machine's CPU (-march=native: AVX-512 where it has it). This one
# runs on any x86-64 with AVX2 + FMA (x86-64-v3), for a cluster of mixed nodes; same results.
portable:
	CAPACITY_MARCH=x86-64-v3 $(SWIFT) build $(CONFIG) --scratch-path .build-portable
	@echo "portable binary: $$(CAPACITY_MARCH=x86-64-v3 $(SWIFT) build $(CONFIG) --scratch-path .build-portable --show-bin-path)/capacity"

# A small sweep as a Slurm job array on a real single-node Slurm (slurmctld + slurmd + munge) brought
# up on this machine, compared bit for bit with a plain run; needs root, installs Debian's slurm-wlm
# and munge if missing. Not part of `make test`. CAPACITY=/path/to/capacity skips the build.
.PHONY: cluster-check
cluster-check:
	bash scripts/slurm/cluster-check.sh $(CAPACITY)
