# The two commands of the README, and the chores around them.
#   make up    install what is missing, build, run a local farm on :8188
#   make test  install what is missing, build, run the whole test suite
#   make bench Release build of the benchmarks, run them, write bench/results/latest.*

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
WORKERS ?= 2
PORT ?= 8188
DATA_DIR ?= ./drover-data
BENCH_BUILD_DIR ?= build-bench
BENCH_TARGETS = drover drover_farm_bench drover_node_bench drover_bench_report

# ccache keys on the compiler's command line: with paths made relative to
# the checkout, a fresh clone in another folder reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

# Files deleted in the work tree but still in the index are left out.
SOURCES = $(wildcard $(shell git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' 2>/dev/null))

.PHONY: up test deps build bench format format-check clean

up: build
	$(BUILD_DIR)/cli/drover up --workers $(WORKERS) --port $(PORT) --data-dir $(DATA_DIR)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure

# Each part writes bench/results/parts/<part>.json; a part that fails leaves
# its figures out (the report says which are missing) and the suite goes on.
# drover_infra_bench runs when bench/infra builds it.
bench: deps
	cmake -S . -B $(BENCH_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target $(BENCH_TARGETS)
	-[ ! -f bench/infra/CMakeLists.txt ] || \
	  cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target drover_infra_bench
	rm -rf bench/results/parts
	-$(BENCH_BUILD_DIR)/bench/drover_node_bench
	-$(BENCH_BUILD_DIR)/bench/drover_farm_bench
	-[ ! -x $(BENCH_BUILD_DIR)/bench/infra/drover_infra_bench ] || \
	  $(BENCH_BUILD_DIR)/bench/infra/drover_infra_bench
	$(BENCH_BUILD_DIR)/bench/drover_bench_report

deps:
	@bash deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

format:
	@clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run --Werror $(SOURCES)

clean:
	rm -rf $(BUILD_DIR)
