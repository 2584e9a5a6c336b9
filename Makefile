# minewatch: the two commands a new user types are `make run` and `make test`.
# Every target installs what it needs (npm ci, the build) by itself.

SHELL := /bin/bash
NODE_MODULES := node_modules/.package-lock.json
DIST := dist/cli/main.js
DEMO_SEED ?= 1
DEMO_WORLD := .cache/demo-world-$(DEMO_SEED)
OUT ?= out/demo

.PHONY: run test lint format bench fixtures build install clean serve eval eval-tuning faults batch-demo bench-rescan bench-scaleout

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES)

$(DIST): $(NODE_MODULES) tsconfig.json $(shell find src -name '*.ts')
	npx tsc -p tsconfig.json
	npm run --silent build:wasm
	@touch $@

build: $(DIST)

# The demo world is generated once per seed and cached; the generator is deterministic.
# Regenerated only when the generator changes (the build itself is an order-only prerequisite).
# The cache is minewatch's own: a world made before folders carried their marker is removed first.
$(DEMO_WORLD)/world.json: $(shell find src/fixtures src/io/tiff -name '*.ts') | $(DIST)
	@[ -e $(DEMO_WORLD)/.minewatch-folder ] || rm -rf $(DEMO_WORLD)
	node $(DIST) fixtures world --seed $(DEMO_SEED) --out $(DEMO_WORLD)

fixtures: $(DEMO_WORLD)/world.json

# The main job, offline: scan the synthetic Kachin world through the local STAC API.
run: fixtures
	node $(DIST) demo --world $(DEMO_WORLD) --out $(OUT)

# The offline batch: every dry season of the demo world against the 2020/21 baseline
# (pipelines/demo.yaml); writes out/batch-demo/sites.geojson and report.md.
batch-demo: fixtures
	node $(DIST) batch pipelines/demo.yaml

# Re-scan timings on the demo world: first run, one new acquisition, nothing new.
bench-rescan: fixtures
	npx tsx bench/rescan-timing.ts --world $(DEMO_WORLD)

# Scale-out throughput on the demo world: the BullMQ runner with 1, then 2, worker processes
# (needs redis-server; each run starts its own). Tiles/min and blocks/s for BENCHMARKS.md.
bench-scaleout: fixtures
	npx tsx bench/bullmq-throughput.ts --world $(DEMO_WORLD) --workers 1,2

# Serve the demo world as a local STAC API (Ctrl-C to stop), to point other tools at it.
serve: fixtures
	node $(DIST) serve-catalog --root $(DEMO_WORLD) --base-path /v1

# Precision, recall, F1, false positives by class and calibration over 20 randomised worlds of
# the fixed VALIDATION seeds (src/eval/seeds.ts): measure only, never tune on them. Report,
# reliability plot and labelled candidates.jsonl in .cache/eval/report-validation/.
eval: $(DIST)
	nice node $(DIST) eval --split validation --work .cache/eval

# The same over the TUNING seeds, for fitting thresholds and calibration (.cache/eval/report-tuning/).
eval-tuning: $(DIST)
	nice node $(DIST) eval --split tuning --work .cache/eval

# The last line is a plain "N passed, N failed, N skipped" summary for CI logs.
test: $(DIST)
	@mkdir -p .cache
	npx vitest run --reporter=default --reporter=json --outputFile=.cache/vitest-report.json
	@node -e 'const r=require("./.cache/vitest-report.json");console.log("tests: "+r.numPassedTests+" passed, "+r.numFailedTests+" failed, "+(r.numPendingTests+r.numTodoTests)+" skipped")'

lint: $(NODE_MODULES)
	npx tsc -p tsconfig.check.json
	npx eslint .
	npx prettier --check .

format: $(NODE_MODULES)
	npx prettier --write .

# The fault matrix of ../shared/RELIABILITY.md, injected on 127.0.0.1; prints one summary line.
faults: $(DIST) fixtures
	@rm -rf .cache/faults
	MW_FAULTS_DEMO_WORLD=$(DEMO_WORLD) npx vitest run --config vitest.faults.config.ts; status=$$?; node --import tsx scripts/faults-summary.ts && exit $$status

# Scan (default command and --no-evidence) vs the GDAL/numpy/scipy peer (../shared/bench/peer_ndvi.py)
# on its own gen_s2.py data (BENCH_DATA=peer) and on our bench worlds (ours), alternating, medians of BENCH_RUNS;
# generates and caches the bench worlds; report on stdout and in .cache/bench/results.md. Not a test.
BENCH_SIZES ?= 4096,10980
BENCH_RUNS ?= 3
BENCH_DATA ?= peer,ours
bench: $(DIST)
	npx tsx bench/run-bench.ts --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS) --data $(BENCH_DATA)

clean:
	rm -rf dist .cache out
