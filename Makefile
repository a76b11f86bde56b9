# Tool versions are pinned so that every machine and CI run the same checks.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GO ?= go
GOTEST_FLAGS ?= -count=1
BENCH ?= .
BENCHTIME ?= 1s

.PHONY: test vet staticcheck test-root test-integration bench fuzz-smoke

## test: vet, staticcheck, the library's tests with -race, then the integration module's tests.
test: vet staticcheck test-root test-integration

vet:
	$(GO) vet ./...
	cd integration && $(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...
	cd integration && $(GO) run $(STATICCHECK) ./...

test-root:
	$(GO) test -race $(GOTEST_FLAGS) ./...

test-integration:
	cd integration && $(GO) test -race $(GOTEST_FLAGS) ./...

## bench: every benchmark of both modules; BENCH selects by name, BENCHTIME sets -benchtime.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) ./...
	cd integration && $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) ./...
