# The two commands of the README: `make run` and `make test`. Each installs what it needs first.
JOBS ?= $(shell nproc)

.PHONY: deps build run test test-release test-asan bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	./build/tinderbox

test: test-release test-asan

test-release: build
	ctest --preset release -j $(JOBS)

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

bench: build
	./build/bench_engine
	./build/bench_simulate
	./build/bench_network

clean:
	rm -rf build build-debug build-asan
