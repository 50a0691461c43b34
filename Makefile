# Baton's build. `make demo` and `make test` are the two set-up commands; both
# install what they need first (make deps).
PREFIX  ?= /usr
DESTDIR ?=
OCF_ROOT ?= $(PREFIX)/lib/ocf
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# urfave_cli_no_docs drops the CLI library's man-page generator, whose
# markdown package costs ~2 ms of start-up on every agent call.
GOTAGS  ?= urfave_cli_no_docs
TEST_TIMEOUT ?= 45m
# Package version (semver; nfpm maps the prerelease to ~ so that it sorts
# before the release in dpkg and rpm).
PKG_VERSION ?= 0.1.0-git$(shell git rev-parse --short HEAD 2>/dev/null || echo 0)

.PHONY: all build install man deb rpm metadata deps test test-unit fuzz bench demo e2e-vm e2e-vm-quick e2e-vm-powercuts faults vet clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags '$(GOTAGS)' -ldflags '$(LDFLAGS)' -o bin/baton ./cmd/baton

# /usr/sbin/baton and one symlink per agent where Pacemaker looks for
# ocf:baton:<Agent>.
install: build
	install -D -m 0755 bin/baton $(DESTDIR)$(PREFIX)/sbin/baton
	install -d $(DESTDIR)$(OCF_ROOT)/resource.d/baton
	for a in $$(bin/baton agent list | cut -d' ' -f1); do \
		ln -sf $(PREFIX)/sbin/baton $(DESTDIR)$(OCF_ROOT)/resource.d/baton/$$a; \
	done

# baton(8), baton.toml(5) and ocf_baton_<Agent>(7), generated from the CLI,
# the configuration and the agents' declarations.
man: build
	rm -rf bin/man
	bin/baton man --dir bin/man

# The .deb and the .rpm, with nfpm (packaging/: its own Go module, so the
# packager's dependencies stay out of Baton's). Written to bin/.
deb rpm: build man
	cd packaging && $(GO) run . -format $@ -top .. -version $(PKG_VERSION)

# Regenerates metadata/*.xml from the agents' declarations; the metadata
# test fails when the checked-in files drift.
metadata: build
	rm -f metadata/*.xml
	for a in $$(bin/baton agent list | cut -d' ' -f1); do \
		bin/baton agent meta $$a > metadata/$$a.xml; \
	done

deps:
	@scripts/deps.sh

vet:
	$(GO) vet ./...
	cd packaging && $(GO) vet ./...

test: deps
	$(GO) vet ./...
	cd packaging && $(GO) vet ./...
	$(GO) test -count=1 -p 1 -timeout $(TEST_TIMEOUT) ./...
	# The cgo binding to Pacemaker's libcib, behind its build tag.
	$(GO) test -count=1 -tags pacemaker -timeout 10m ./crm/cib/live
	@# Once, during development, /dev/null ended up a plain file; make any
	@# test that does that fail the run instead of the next apt-get.
	@test -c /dev/null || { echo "make test: /dev/null is no longer a character device: a test replaced it" >&2; exit 1; }
	# Every fuzz target, briefly, over its corpus.
	GO=$(GO) scripts/fuzz.sh

# Fuzz every target for FUZZTIME each (default 3000x: executions; a duration such as 1m works too).
fuzz:
	GO=$(GO) FUZZTIME=$(or $(FUZZTIME),3000x) scripts/fuzz.sh

# Unit tests only: no root, no daemons.
test-unit:
	$(GO) test -count=1 -short ./...

bench: deps build
	$(GO) test ./tests/bench -run '^$$' -bench . -benchtime 1x -timeout 90m -v

# The long fault campaign (tests/faults): N iterations, faults drawn with
# SEED; prints a line per iteration and a table per fault. MANAGER=pacemaker
# runs the same campaign under Corosync and Pacemaker, for comparison.
# FENCING=0/1 overrides the default (Baton with its fence device, Pacemaker
# without: FENCING=1 gives Pacemaker the same fence agent).
N       ?= 300
SEED    ?= 1
MANAGER ?= baton
FENCING ?=
faults: deps
	BATON_FAULTS_N=$(N) BATON_FAULTS_SEED=$(SEED) BATON_FAULTS_MANAGER=$(MANAGER) BATON_FAULTS_FENCING=$(FENCING) $(GO) test -count=1 -timeout 12h -run '^TestFaultCampaign$$' -v ./tests/faults

demo: deps build
	@scripts/demo.sh

e2e-vm: build
	@scripts/e2e-vm.sh

# Day to day: the configurations checked, then the seed's stack under baton
# daemon with the faults that need no reboot (heartbeat and DRBD cables).
e2e-vm-quick: build
	@BATON_VM_FAULTS=3,4 scripts/e2e-vm.sh -run 'ConfigurationIsValid$$|^TestDaemonSeedFaults$$'

# Issue 14's power-cut figure: five power cuts of the active server under
# baton daemon, then under Pacemaker, in one sitting, NFSv3 and NFSv4.2
# (medians logged as "power cuts: ..."; docs/benchmarks.md).
e2e-vm-powercuts: build
	@BATON_VM_FAULTS=1,1,1,1,1 scripts/e2e-vm.sh -run '^TestDaemonSeedFaults$$'
	@BATON_VM_PCMK_FAULTS=1,1,1,1,1 scripts/e2e-vm.sh -run '^TestPacemakerSeedFaults$$'

clean:
	rm -rf bin
