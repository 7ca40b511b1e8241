# The two commands of the README, and the chores around them.
#   make up    install what is missing, build, run a local farm on :8188
#   make test  install what is missing, build, run the whole test suite

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
WORKERS ?= 2
PORT ?= 8188
DATA_DIR ?= ./drover-data

# ccache keys on the compiler's command line: with paths made relative to
# the checkout, a fresh clone in another folder reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

# Files deleted in the work tree but still in the index are left out.
SOURCES = $(wildcard $(shell git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' 2>/dev/null))

.PHONY: up test deps build format format-check clean

up: build
	$(BUILD_DIR)/cli/drover up --workers $(WORKERS) --port $(PORT) --data-dir $(DATA_DIR)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure

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
