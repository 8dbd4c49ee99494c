# Thin wrapper of verbs around CMake, which is the source of truth.
#   make serve    build the web app and serve it on http://127.0.0.1:8000/
#   make test     build native + wasm and run every test (unit, CLI, browser, desktop)
#   make desktop  run the native app        make web   static site in build/web
#   make cli      build build/native/attn   make clean

BUILD     ?= build
IMGUI_DIR ?= $(abspath $(BUILD)/_deps/imgui)
PORT      ?= 8000
JOBS      ?= $(shell nproc)
NATIVE    := $(BUILD)/native
WASM      := $(BUILD)/wasm
SITE      := $(abspath $(BUILD)/web)
# NOTE: Debian's emscripten needs Debian's node modules (acorn) on NODE_PATH.
export NODE_PATH := /usr/share/nodejs

.PHONY: serve test desktop web cli bench clean deps-web deps-test native wasm test-unit test-cli test-browser test-desktop

deps-web:
	@.ci/install-deps web $(IMGUI_DIR)
deps-test:
	@.ci/install-deps test $(IMGUI_DIR)

$(NATIVE)/CMakeCache.txt:
	cmake -S . -B $(NATIVE) -DCMAKE_BUILD_TYPE=Release -DIMGUI_DIR=$(IMGUI_DIR)
$(WASM)/CMakeCache.txt:
	emcmake cmake -S . -B $(WASM) -DCMAKE_BUILD_TYPE=Release -DIMGUI_DIR=$(IMGUI_DIR) -DSITE_DIR=$(SITE) \
	  "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch"

native: deps-test $(NATIVE)/CMakeCache.txt
	cmake --build $(NATIVE) -j $(JOBS)
wasm-web: deps-web $(WASM)/CMakeCache.txt
	cmake --build $(WASM) -j $(JOBS) --target app
wasm: deps-test $(WASM)/CMakeCache.txt
	cmake --build $(WASM) -j $(JOBS)

web: wasm-web
	@echo "Static site ready in $(SITE) (copy the folder to any static host)"

serve: web
	@echo "Serving Attention Playground at http://127.0.0.1:$(PORT)/"
	python3 -m http.server $(PORT) --bind 127.0.0.1 --directory $(SITE)

cli: deps-test $(NATIVE)/CMakeCache.txt
	cmake --build $(NATIVE) -j $(JOBS) --target attn
	@echo "built $(NATIVE)/attn"

desktop: native
	$(NATIVE)/attention-playground $(ARGS)

test: native wasm
	cd $(NATIVE) && ctest --output-on-failure
	cd $(WASM) && ctest --output-on-failure
	node tests/browser/smoke.mjs $(SITE)
	node tests/browser/share.mjs $(SITE)
	tests/desktop/smoke.sh $(NATIVE)/attention-playground

clean:
	rm -rf $(NATIVE) $(WASM) $(SITE)
