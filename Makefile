# The two commands of the README: `make run` and `make test`. Each installs what it needs first.
JOBS ?= $(shell nproc)

.PHONY: deps build run test test-release test-asan bench clean

deps:
	@./scripts/install-deps.sh

# The report's JavaScript (ECharts, playwright-core), pinned by package-lock.json: installed again
# only when node_modules is missing or older than the lock file.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

build: deps node_modules/.package-lock.json
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	./build/tinderbox

test: test-release test-asan

test-release: build
	ctest --preset release -j $(JOBS)

test-asan: deps node_modules/.package-lock.json
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

bench: build
	./build/bench_engine
	./build/bench_simulate
	./build/bench_network

clean:
	rm -rf build build-debug build-asan
