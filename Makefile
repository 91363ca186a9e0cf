# keel — set-up and everyday commands. Each target installs the Debian
# packages it needs (apt-get when run as root; otherwise it prints the exact
# command to run and stops), configures with CMake + Ninja, and builds.
#
#   make demo    build, then show keel at work on bundled data
#   make test    the whole suite, then the whole suite again under
#                AddressSanitizer + UndefinedBehaviorSanitizer (leaks on),
#                then each fuzz harness over its corpus and for
#                FUZZ_TEST_SECONDS (test-fuzz)
#   make fuzz    each fuzz harness for FUZZ_SECONDS (tests/fuzz; clang-14)
#   make bench   benchmarks (Release), results in bench/results/latest.json
#   make build   just build (build/)
#   make clean   remove every build tree (and the fuzzers' scratch corpora)

BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
BENCH_DIR  ?= build-bench
FUZZ_DIR   ?= build-fuzz
JOBS       ?= $(shell nproc)
# Debian's python3 (with numpy) is the one keel embeds, whatever python3 is
# first on PATH (see DESIGN.md's toolchain facts).
CMAKE_ARGS ?= -DPython3_EXECUTABLE=/usr/bin/python3
CTEST_ARGS ?=
# Fuzzing (tests/fuzz): seconds per harness for `make fuzz` and for the
# short run in `make test`; FUZZ_HARNESSES picks harnesses for `make fuzz`.
FUZZ_SECONDS      ?= 600
FUZZ_TEST_SECONDS ?= 25
FUZZ_HARNESSES    ?= $(patsubst tests/fuzz/%_fuzzer.cpp,%,$(wildcard tests/fuzz/*_fuzzer.cpp))
FUZZ_CMAKE_ARGS   ?=

BUILD_PACKAGES := cmake ninja-build g++ make nlohmann-json3-dev libspdlog-dev libcli11-dev libssl-dev
# chromium: the tests load each HTML tearsheet in headless Chromium.
TEST_PACKAGES  := libgtest-dev libgmock-dev pkg-config chromium
# The language SDKs: embedded Python strategies, OCaml plugins. Rust comes
# from Debian's cargo/rustc unless a cargo is already on PATH (rustup).
# python3-distributed runs sweeps on a Dask cluster, python3-plotly draws
# the tearsheets.
PYTHON_PACKAGES := python3-dev pybind11-dev python3-numpy python3-pandas python3-pytest \
                   python3-distributed python3-plotly
OCAML_PACKAGES  := ocaml-nox ocaml-findlib
RUST_PACKAGES   := $(if $(shell command -v cargo),,cargo rustc)
BENCH_PACKAGES := libbenchmark-dev libquantlib0-dev
# libFuzzer comes with clang, not g++: the fuzz harnesses build in a tree of
# their own with clang-14 (and Debian's libstdc++).
FUZZ_PACKAGES  := clang-14 libfuzzer-14-dev libclang-rt-14-dev

KEEL := $(BUILD_DIR)/bin/keel
DEMO_OUT := $(BUILD_DIR)/demo

.PHONY: all build demo test test-fast test-asan test-fuzz fuzz fuzz-build bench deps-build deps-test deps-bench deps-fuzz clean

all: build

# $(call ensure_packages,pkg...) — installs what is missing, or explains how.
define ensure_packages
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "keel: installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "keel: missing Debian packages:$$missing"; \
	    echo "run:  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

deps-build:
	$(call ensure_packages,$(BUILD_PACKAGES))

deps-test: deps-build
	$(call ensure_packages,$(TEST_PACKAGES) $(PYTHON_PACKAGES) $(OCAML_PACKAGES) $(RUST_PACKAGES))

deps-fuzz: deps-build
	$(call ensure_packages,$(FUZZ_PACKAGES))

# The benchmarks cover every plugin language (call overhead, the OCaml and
# Rust models), so they need the language SDKs' packages too.
deps-bench: deps-build
	$(call ensure_packages,$(BENCH_PACKAGES) $(PYTHON_PACKAGES) $(OCAML_PACKAGES) $(RUST_PACKAGES))

$(BUILD_DIR)/build.ninja: | deps-test
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps-test $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== keel validate config/examples/demo.json"
	@$(KEEL) validate config/examples/demo.json
	@echo
	@echo "== keel run config/examples/demo.json: two SMA-cross strategies on 5 days of AAPL/MSFT 1-minute bars"
	@$(KEEL) run config/examples/demo.json --output $(DEMO_OUT)/backtest
	@echo
	@echo "== the first fills ($(DEMO_OUT)/backtest/fills.csv)"
	@head -6 $(DEMO_OUT)/backtest/fills.csv
	@echo
	@echo "== keel run config/examples/market_making.json: a market maker on an hour of AAPL quotes"
	@$(KEEL) run config/examples/market_making.json --output $(DEMO_OUT)/market_making
	@echo
	@echo "== keel run config/examples/depth_market_making.json: the market maker on a 5-level order book (depth data),"
	@echo "   joining or improving the touch by queue position; power queue model, lognormal order latency, feed latency"
	@$(KEEL) run config/examples/depth_market_making.json --output $(DEMO_OUT)/depth_market_making
	@echo
	@if [ -f $(BUILD_DIR)/lib/keel/plugins/keel_momentum.so ] && [ -f $(BUILD_DIR)/lib/keel/plugins/keel_delta_hedger.so ]; then \
	  echo "== keel run config/examples/mixed_languages.json: C++ Black-Scholes, a Rust momentum strategy and an OCaml delta hedger in one backtest"; \
	  $(KEEL) run config/examples/mixed_languages.json --output $(DEMO_OUT)/mixed_languages; echo; fi
	@if grep -q "KEEL_WITH_PYTHON:BOOL=ON" $(BUILD_DIR)/CMakeCache.txt; then \
	  echo "== keel run examples/python/mean_reversion.json: a strategy written in Python"; \
	  $(KEEL) run examples/python/mean_reversion.json --output $(DEMO_OUT)/python; echo; \
	  echo "== keel as a Python library: the same demo run in-process, its fills as a DataFrame"; \
	  echo "   PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 examples/python/library.py"; \
	  PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 examples/python/library.py; echo; fi
	@if grep -q "KEEL_WITH_PYTHON:BOOL=ON" $(BUILD_DIR)/CMakeCache.txt; then \
	  echo "== keel report $(DEMO_OUT)/backtest: the demo run as an HTML tearsheet (opens offline)"; \
	  $(KEEL) report $(DEMO_OUT)/backtest; echo; \
	  echo "== keel sweep config/examples/sweep_sma.json: the demo at 18 points (fast x slow x fee), on 2 local processes"; \
	  $(KEEL) sweep config/examples/sweep_sma.json --jobs 2 --output $(DEMO_OUT)/sweep; echo; fi
	@echo "== pricing: keel plugin inspect keel.black_scholes"
	@$(KEEL) plugin inspect keel.black_scholes
	@echo
	@echo "== Haug's example: S=60 K=65 T=0.25 r=8% vol=30% call (published price 2.1334)"
	@$(KEEL) price --model keel.black_scholes --spot 60 --strike 65 --expiry 0.25 --vol 0.3 --rate 0.08
	@echo
	@echo "== implied volatility of a 2.1334 premium for that call"
	@$(KEEL) price --model keel.black_scholes --spot 60 --strike 65 --expiry 0.25 --rate 0.08 --premium 2.1334
	@echo
	@echo "== a CSV batch: examples/data/options.csv -> $(DEMO_OUT)/options_priced.csv"
	@$(KEEL) price --model keel.black_scholes --csv examples/data/options.csv --out $(DEMO_OUT)/options_priced.csv
	@if command -v column >/dev/null; then column -s, -t < $(DEMO_OUT)/options_priced.csv; else cat $(DEMO_OUT)/options_priced.csv; fi
	@echo
	@echo "== pricing from your own program: the same options through libkeel (keel/embed.h), from C++ and Python"
	@echo "   $(BUILD_DIR)/examples/embed/price_portfolio_cpp examples/data/options.csv"
	@$(BUILD_DIR)/examples/embed/price_portfolio_cpp examples/data/options.csv
	@if grep -q "KEEL_WITH_PYTHON:BOOL=ON" $(BUILD_DIR)/CMakeCache.txt; then \
	  echo "   PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 examples/embed/python/price_portfolio.py  (keel.Model)"; \
	  PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 examples/embed/python/price_portfolio.py examples/data/options.csv; fi
	@echo "   (Rust and OCaml: examples/embed/rust, examples/embed/ocaml; docs/embedding.md)"
	@echo
	@echo "reports: $(DEMO_OUT)/{backtest,market_making,mixed_languages,python} (summary.json, fills.csv, orders.csv, equity.csv, equity_by_strategy.csv, trades.csv, manifest.json)"
	@if [ -f $(DEMO_OUT)/backtest/report.html ]; then \
	  echo "tearsheets: $(CURDIR)/$(DEMO_OUT)/backtest/report.html, $(CURDIR)/$(DEMO_OUT)/sweep/report.html"; fi

test: test-fast test-asan test-fuzz

test-fast: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test-asan: deps-test
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKEEL_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Only the harnesses and the engine code they read with are built (clang,
# ASan + UBSan + libFuzzer); ctest there replays every corpus entry and
# fuzzes each harness FUZZ_TEST_SECONDS from a fixed seed. A finding fails
# with the reproducer's path and the command that replays it.
fuzz-build: deps-fuzz
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DKEEL_BUILD_FUZZ=ON \
	  -DKEEL_BUILD_TESTS=OFF -DKEEL_WITH_PYTHON=OFF -DKEEL_WITH_RUST=OFF -DKEEL_WITH_OCAML=OFF \
	  -DKEEL_FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) $(FUZZ_CMAKE_ARGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target keel_fuzzers

test-fuzz: fuzz-build
	cd $(FUZZ_DIR) && ctest --output-on-failure -j $(JOBS) -L fuzz

# Every harness in turn for FUZZ_SECONDS (a random seed each time). New
# inputs accumulate in $(FUZZ_DIR)/fuzz/<harness>/corpus, never in the repo;
# a finding is reported with its reproducer, then the next harness runs.
fuzz: fuzz-build
	@failed=""; for h in $(FUZZ_HARNESSES); do \
	  tests/fuzz/run_fuzzer.sh fuzz $(FUZZ_DIR)/fuzz/fuzz_$$h tests/fuzz/corpus/$$h \
	    $(FUZZ_DIR)/fuzz/$$h $(FUZZ_SECONDS) || failed="$$failed $$h"; \
	done; \
	if [ -n "$$failed" ]; then \
	  echo "make fuzz: findings in:$$failed (reproducers and replay commands above;"; \
	  echo "  after the fix, copy each reproducer into tests/fuzz/corpus/<harness>/)"; exit 1; \
	fi

bench: deps-bench
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEEL_BUILD_TESTS=OFF -DKEEL_BUILD_BENCH=ON $(CMAKE_ARGS)
	cmake --build $(BENCH_DIR) -j $(JOBS)
	$(BENCH_DIR)/bench/keel_bench --out bench/results/latest.json

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(BENCH_DIR) $(FUZZ_DIR)
