# Lifeline's two commands (README.md): `make run` and `make test`; `make bench` for benchmarks.
.PHONY: run stop test bench setup build clean

run:
	@bash scripts/run.sh

stop:
	@bash scripts/stop.sh run

test:
	@bash scripts/test.sh

bench:
	@bash scripts/bench.sh

setup:
	@bash scripts/setup.sh

build: setup
	swift build

clean:
	-@bash scripts/stop.sh run
	-@bash scripts/stop.sh test
	rm -rf .build .run
