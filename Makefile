# otelcol-ccdash — see README.md. Two commands matter: `make run` and `make test`.
SHELL := /bin/bash

# One flag set for build, test and vet: mixing flag sets recompiles every dependency.
export CGO_ENABLED := 0
export GOFLAGS := -buildvcs=false -trimpath

GO         ?= go
BIN        := bin/otelcol-ccdash
CONFIG     ?= cmd/otelcol-ccdash/config.yaml
OCB_VERSION := v0.161.0
COMPONENTS := receiver/claudecodereceiver processor/correlationprocessor processor/rollupprocessor \
	exporter/sqlanalyticsexporter extension/analyticsextension
PG_DSN_DEFAULT := postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: all build run test test-unit test-e2e lint generate check-generated mdatagen ocb bench bench-backfill clean \
	dashboards test-panels test-rules

all: build

build: ## build bin/otelcol-ccdash
	$(GO) build -o $(BIN) ./cmd/otelcol-ccdash

# OTLP export (README "OTLP export"): one config file cannot switch pipelines on from the environment, so
# CCDASH_OTEL_ENABLED=true adds the overlay otlp-export.yaml (gRPC) or, with CCDASH_OTEL_PROTOCOL=http,
# otlp-export-http.yaml as a second --config; the collector merges them in order.
OTEL_OVERLAY := $(if $(filter true 1 yes,$(CCDASH_OTEL_ENABLED)),--config cmd/otelcol-ccdash/otlp-export$(if $(filter http http/protobuf,$(CCDASH_OTEL_PROTOCOL)),-http).yaml)

run: build ## run the collector with the default config (reads your Claude history); CCDASH_OTEL_ENABLED=true adds OTLP export
	./$(BIN) --config $(CONFIG) $(OTEL_OVERLAY)

test: test-unit test-e2e test-panels ## everything CI runs

test-unit: ## unit, contract (SQLite + PostgreSQL when CCDASH_TEST_POSTGRES_DSN is set) and pipeline tests
	$(GO) test -count=1 ./...

test-e2e: build ## built binary vs ccusage on testdata and the shared corpus; restart/SIGKILL exactness; agents → gateway; OTLP export
	$(GO) test -count=1 -tags e2e -timeout 20m ./test/e2e/... ./test/gateway/...

lint: ## gofmt + go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/... ./test/gateway/... ./test/panels/...

generate: ocb mdatagen ## regenerate cmd/otelcol-ccdash (ocb) and component metadata (mdatagen)

check-generated: generate ## fail if regenerating changes committed files
	@git diff --exit-code -- cmd/otelcol-ccdash receiver processor exporter extension \
	  || { echo "generated files are stale: run make generate and commit"; exit 1; }

ocb:
	@command -v builder >/dev/null 2>&1 || GOFLAGS= $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	$$(command -v builder || echo $$($(GO) env GOPATH)/bin/builder) --config builder-config.yaml --skip-get-modules --skip-compilation
	gofmt -w cmd/otelcol-ccdash

mdatagen:
	@for c in $(COMPONENTS); do \
	  (cd $$c && GOFLAGS= $(GO) -C $(CURDIR)/internal/tools tool mdatagen $(CURDIR)/$$c/metadata.yaml) || exit 1; \
	done

bench: ## Go benchmarks: parser MB/s, store rows/s
	$(GO) test -run '^$$' -bench . -benchmem ./internal/transcript/ ./internal/store/

bench-backfill: build ## backfill of a ~500 MB history vs ccusage, side by side, with the parse/append/memory floors (SIZE=500MB synthetic; HISTORY=corpus real-shaped; FLOOR=0 skips the floors)
	scripts/bench-backfill.sh

clean:
	rm -rf bin data

dashboards: ## regenerate the Grafana dashboards (deploy/observability/grafana/dashboards) from internal/dashboards
	$(GO) run ./cmd/ccdash-dashboards -out deploy/observability/grafana/dashboards

test-panels: build ## every dashboard panel query vs a real Prometheus + PostgreSQL fed by the built collector; compose + rules
	$(GO) test -count=1 -tags e2e -timeout 5m ./test/panels/...

test-rules: ## promtool: Prometheus config, alert rules and their unit tests
	promtool check config deploy/observability/prometheus/prometheus.yml
	promtool check rules deploy/observability/prometheus/rules/*.yml
	promtool test rules deploy/observability/prometheus/tests/*_test.yml

.PHONY: bench-api
bench-api: ## API latency over HTTP on a SQLite store of 1M synthetic facts: p50/p95 per request (EVENTS=1010000, N=50)
	$(GO) run ./scripts/benchapi -db data/bench-api.db -events $(or $(EVENTS),1010000) -n $(or $(N),50)
