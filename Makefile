# Release builds everywhere: the SIMD kernels are far too slow in debug builds.
SWIFT      ?= swift
CONFIG     := -c release
TESTFLAGS  := -c release -Xswiftc -enable-testing
BIN         = $$($(SWIFT) build $(CONFIG) --show-bin-path)/capacity

.PHONY: build test demo bench reproduce clean

build:
	$(SWIFT) build $(CONFIG)

test:
	$(SWIFT) test $(TESTFLAGS)

demo: build
	$(BIN) run scenarios/quick.json
	$(BIN) report results/quick

bench: build
	$(BIN) bench

clean:
	rm -rf .build
