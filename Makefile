# The project's commands; each is a script in deploy/local/ that works without make too.
.PHONY: run server test test-fast lint cluster cluster-down bench bench-peers fuzz package image

run:            ## the messenger on one machine: embedded server + desktop app
	bash deploy/local/run.sh

server:         ## only the server, on the embedded default
	PARLEY_SERVER_ONLY=1 bash deploy/local/run.sh

test:           ## install everything, start the real engines, run every test
	bash deploy/local/test.sh

test-fast:      ## unit and embedded API tests only
	.venv/bin/python -m pytest -m "not engines and not cluster and not desktop and not containers"

fuzz:           ## schemathesis over the OpenAPI document, 1,000 examples per operation (FUZZ_EXAMPLES=N)
	PARLEY_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} .venv/bin/python -m pytest -s tests/backend/api/test_schemathesis.py

lint:
	.venv/bin/ruff check backend desktop tests k6
	.venv/bin/ruff format --check backend desktop tests k6
	.venv/bin/mypy
	cd k6 && ../.venv/bin/mypy --strict bench.py parleybench peers

cluster:        ## engines + 3 replicas behind HAProxy
	bash deploy/local/cluster.sh up

cluster-down:
	bash deploy/local/cluster.sh down

bench:          ## k6 load bench, standard preset on the embedded default (BENCH_ARGS='--target production|cluster|URL')
	.venv/bin/python k6/bench.py $(BENCH_ARGS)

bench-peers:    ## Parley's embedded max run and Synapse's (k6/peers/, own venv in ~/.cache/parley) in one run, with the ratio
	.venv/bin/python k6/bench.py --sets max --max-senders 64 --peers synapse $(BENCH_ARGS)

package:        ## the desktop app as a Debian package: dist/parley_<version>_amd64.deb (PyInstaller bundle inside)
	bash packaging/deb/build.sh --lint

image:          ## the backend container image with podman, no network: localhost/parley-backend:dev
	bash deploy/docker/build.sh
