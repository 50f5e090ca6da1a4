# The project's commands. `make run` and `make test` are all a newcomer needs.
# Every Go command runs from this folder in workspace mode (go.work).

ACTORS  := authserver resourceapi client
MODULES := shared $(ACTORS) e2e
PKGS    := $(addprefix ./,$(addsuffix /...,$(MODULES)))
GO      ?= go

.PHONY: run run-cluster test e2e build bench loadtest loadtest-postgres loadtest-replicas loadtest-dpop loadtest-wrk fmt lint clean deps help

help: ## List the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: build ## Build and start all three actors (and the podcasts API) on the defaults; Ctrl-C stops them
	@scripts/run.sh

run-cluster: build ## Two processes of each actor on PostgreSQL behind Debian's nginx, same URLs as run (see docs/scale-out.md)
	@scripts/run-cluster.sh

test: ## Run every test of every module, e2e included (the browser test needs `make deps`)
	$(GO) test -count=1 -timeout 15m $(PKGS)

e2e: ## Run only the system tests: compose file, compose wiring, browser
	$(GO) test -count=1 -v -timeout 10m ./e2e/...

build: ## Build the three binaries, and the demo's podcasts API, into bin/
	@mkdir -p bin
	@for a in $(ACTORS); do echo "go build ./$$a"; $(GO) build -o bin/$$a ./$$a || exit 1; done
	@echo "go build ./resourceapi/cmd/podcastapi"; $(GO) build -o bin/podcastapi ./resourceapi/cmd/podcastapi

bench: ## Run the Go benchmarks (figures are in README.md)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

loadtest: build ## Start the actors on SQLite on free ports, drive them with e2e/cmd/loadgen (tokens, flows), stop them
	@scripts/loadtest.sh

loadtest-postgres: build ## make loadtest with the authorization server on PostgreSQL (make deps)
	@LOADTEST_DB=postgres scripts/loadtest.sh

loadtest-dpop: build ## Drive the resource API with Bearer and DPoP calls in turn (20 s), and print a DPoP call's CPU cost against a Bearer call's
	@LOADTEST_MODES=api-compare LOADGEN_FLAGS="-d 20s $(LOADGEN_FLAGS)" scripts/loadtest.sh

loadtest-wrk: build ## Drive the token endpoint with Debian's wrk (e2e/wrk/tokens.lua), then with loadgen, on one server (make deps)
	@LOADTEST_MODES="wrk-tokens tokens" scripts/loadtest.sh

loadtest-replicas: build ## make loadtest with two authorization servers on one PostgreSQL database behind nginx
	@LOADTEST_DB=postgres LOADTEST_REPLICAS=2 scripts/loadtest.sh

fmt: ## Format the code
	gofmt -w $(MODULES)

lint: ## go vet, and fail if any file is not gofmt-formatted
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

deps: ## Install what the tests need beyond Go and a C compiler (Debian's chromium and postgresql), start PostgreSQL
	@scripts/install-deps.sh

clean: ## Remove the SQLite files under data/, the binaries and test output
	rm -rf data bin testoutput

.PHONY: rfc-index
rfc-index: ## Regenerate docs/rfc-index.md and the lab's rule table from the // RFC tags
	$(GO) run ./e2e/rfcindex
