# Thin wrapper of verbs around CMake, which is the source of truth.
#   make serve    build the web app and serve it on http://127.0.0.1:8000/
#   make test     build native + wasm and run every test (unit, CLI, browser, desktop)
#   make unit     the fast loop: build and run the native unit tests alone
#   make desktop  run the native app        make web   static site in build/web
#   make cli      build build/native/attn   make clean
#   make bench    our kernels vs tfjs-backend-wasm, onnxruntime-web and numpy, real models vs
#                 onnxruntime-web and llama.cpp-wasm (wllama): build/bench/results.json
#   make python   the notebook package with the page inside: build/python/attention_playground-*.whl

BUILD     ?= build
IMGUI_DIR ?= $(abspath $(BUILD)/_deps/imgui)
PORT      ?= 8000
JOBS      ?= $(shell nproc)
NATIVE    := $(BUILD)/native
WASM      := $(BUILD)/wasm
SITE      := $(abspath $(BUILD)/web)
ASAN      := $(BUILD)/asan
FUZZB     := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
# every fuzz target is a tests/fuzz/fuzz_*.cpp (CMakeLists.txt reads the same folder)
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.cpp)))
# NOTE: Debian's emscripten needs Debian's node modules (acorn) on NODE_PATH.
export NODE_PATH := /usr/share/nodejs

.PHONY: serve test unit desktop web wasm-web cli fuzz soak bench clean deps-web deps-test deps-fuzz deps-unit native wasm asan python python-package
PY        := /usr/bin/python3
PYOUT     := $(BUILD)/python

deps-web:
	@.ci/install-deps web $(IMGUI_DIR)
deps-test:
	@.ci/install-deps test $(IMGUI_DIR)
deps-fuzz:
	@.ci/install-deps fuzz $(IMGUI_DIR)
deps-unit:
	@.ci/install-deps unit $(IMGUI_DIR)

$(NATIVE)/CMakeCache.txt:
	cmake -S . -B $(NATIVE) -DCMAKE_BUILD_TYPE=Release -DIMGUI_DIR=$(IMGUI_DIR)
$(WASM)/CMakeCache.txt:
	emcmake cmake -S . -B $(WASM) -DCMAKE_BUILD_TYPE=Release -DIMGUI_DIR=$(IMGUI_DIR) -DSITE_DIR=$(SITE) \
	  "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch"

native: deps-test $(NATIVE)/CMakeCache.txt
	cmake --build $(NATIVE) -j $(JOBS)
wasm-web: deps-web $(WASM)/CMakeCache.txt
	cmake --build $(WASM) -j $(JOBS) --target app app_mt app_fma app_mt_fma && cmake --build $(WASM) --target site
wasm: deps-test $(WASM)/CMakeCache.txt
	cmake --build $(WASM) -j $(JOBS)

# native unit, CLI and corpus-replay tests under AddressSanitizer + UndefinedBehaviorSanitizer
$(ASAN)/CMakeCache.txt:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTN_SANITIZE=ON -DIMGUI_DIR=/nonexistent
asan: deps-test $(ASAN)/CMakeCache.txt
	cmake --build $(ASAN) -j $(JOBS) --target asan_targets

# libFuzzer: each target for FUZZ_SECONDS; new crash inputs land in tests/fuzz/corpus/TARGET/
$(FUZZB)/CMakeCache.txt:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZB) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTN_FUZZ=ON -DIMGUI_DIR=/nonexistent
fuzz: deps-fuzz $(FUZZB)/CMakeCache.txt
	cmake --build $(FUZZB) -j $(JOBS) --target fuzz_targets
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZB)/work/$$t; \
	  echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  $(FUZZB)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=tests/fuzz/corpus/$$t/ \
	    $(FUZZB)/work/$$t tests/fuzz/corpus/$$t 2>&1 | grep -E "^stat::(number_of_executed_units|peak_rss)|cov:|ERROR|crash-" | tail -4 || exit 1; \
	done

web: wasm-web
	@echo "Static site ready in $(SITE) (copy the folder to any static host)"

serve: web
	@echo "Serving Attention Playground at http://127.0.0.1:$(PORT)/"
	python3 src/tools/serve.py $(PORT) $(SITE)

cli: deps-test $(NATIVE)/CMakeCache.txt
	cmake --build $(NATIVE) -j $(JOBS) --target attn
	@echo "built $(NATIVE)/attn"

# the fast loop (under a minute when little changed): native unit tests only, no wasm, no browser
unit: deps-unit $(NATIVE)/CMakeCache.txt
	cmake --build $(NATIVE) -j $(JOBS) --target attn_tests
	$(NATIVE)/attn_tests

# the Python package (src/python): the built page and the attn CLI copied into it, and its wheel
python-package:
	$(PY) src/python/make_wheel.py $(SITE) $(NATIVE)/attn $(PYOUT)
python: wasm-web cli
	@$(MAKE) --no-print-directory python-package
	@echo "pip install $(PYOUT)/attention_playground-*.whl   (or: pip install src/python)"

desktop: native
	$(NATIVE)/attention-playground $(ARGS)

test: native wasm asan
	cd $(NATIVE) && ctest --output-on-failure
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure
	cd $(WASM) && ctest --output-on-failure
	node tests/browser/smoke.mjs $(SITE)
	node tests/browser/share.mjs $(SITE)
	node tests/browser/threads.mjs $(SITE)
	node tests/browser/first_minute.mjs $(SITE)
	node tests/browser/train.mjs $(SITE) $(NATIVE)/attn
	node tests/browser/model.mjs $(SITE) $(NATIVE)/attn
	@$(MAKE) --no-print-directory python-package
	cd tests/python && PYTHONPATH=$(abspath src/python) ATTN_CLI=$(abspath $(NATIVE)/attn) $(PY) -m pytest -q -p no:cacheprovider .
	node tests/browser/notebook.mjs $(abspath $(PYOUT)) $(abspath $(NATIVE)/attn)
	node tests/browser/jupyter.mjs $(abspath $(NATIVE)/attn)
	tests/desktop/smoke.sh $(NATIVE)/attention-playground
	node tests/bench/bench.mjs $(BUILD) --smoke

# long-running robustness checks, on demand
soak: native web
	node tests/browser/soak.mjs $(SITE) 2000
	node tests/browser/soak_train.mjs $(SITE) 10
	tests/desktop/soak.sh $(NATIVE)/attention-playground 10000

# every implementation on the same inputs, each checked against the scalar reference, then timed
bench: native wasm
	node tests/bench/bench.mjs $(BUILD)

clean:
	rm -rf $(NATIVE) $(WASM) $(SITE) $(ASAN) $(FUZZB) $(BUILD)/bench
