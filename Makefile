# coalition-sim build/test entry points (GNU make).
#   make venv   - create .venv with a Python >= 3.12 and install the project + all extras
#   make test   - run pytest (extra args: make test PYTEST_ARGS="-k foo -x")
#   make test-quick - every test not marked slow (under 2 minutes on two cores)
#   make demo   - run the comparison demo into out/compare
#   make lint   - ruff check
#   make docs   - regenerate the parameter tables of docs/ODD.md and docs/scenarios.md
#   make app    - start the Solara app
#   make clean  - remove .venv and build/test artefacts
# Override the interpreter with: make venv PYTHON=/path/to/python3.12

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

VENV        := .venv
VPY         := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
EXTRAS      := analysis,distributed,app,notebooks,calibration,test
PYTEST_ARGS ?=
PYTHON      ?=

export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False
export PIP_NO_INPUT := 1

# Prints the path of a working Python >= 3.12, or fails with a clear message.
# Order: $(PYTHON) if given; python3.12 / python3.13 / python3.14 / python3 on PATH if they
# actually run (pyenv shims exist but fail unless pyenv selects them); then
# $PYENV_ROOT (or ~/.pyenv, /root/.pyenv)/versions/3.1[2-9]*/bin/python3; then `pyenv prefix`.
define FIND_PYTHON
ok() { "$$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }; \
found=""; \
if [ -n "$(PYTHON)" ]; then \
  if ok "$(PYTHON)"; then found="$(PYTHON)"; \
  else echo "error: PYTHON=$(PYTHON) is not a working Python >= 3.12" >&2; exit 1; fi; \
fi; \
if [ -z "$$found" ]; then \
  for c in python3.12 python3.13 python3.14 python3; do \
    p="$$(command -v "$$c" 2>/dev/null || true)"; \
    if [ -n "$$p" ] && ok "$$p"; then found="$$p"; break; fi; \
  done; \
fi; \
if [ -z "$$found" ]; then \
  for c in "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /root/.pyenv/versions/3.1[2-9]*/bin/python3; do \
    if [ -x "$$c" ] && ok "$$c"; then found="$$c"; break; fi; \
  done; \
fi; \
if [ -z "$$found" ] && command -v pyenv >/dev/null 2>&1; then \
  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$$)' || true); do \
    c="$$(pyenv prefix "$$v" 2>/dev/null || true)/bin/python3"; \
    if [ -x "$$c" ] && ok "$$c"; then found="$$c"; break; fi; \
  done; \
fi; \
if [ -z "$$found" ]; then \
  echo "error: no Python >= 3.12 found (tried PYTHON=, python3.12/3.13/3.14/python3 on PATH," >&2; \
  echo "       ~/.pyenv/versions/3.1x/bin/python3 and pyenv). Install one or pass PYTHON=/path." >&2; \
  exit 1; \
fi; \
echo "$$found"
endef

.PHONY: venv test test-quick demo lint app docs clean which-python

which-python:
	@$(FIND_PYTHON)

venv: $(STAMP)

$(STAMP): pyproject.toml .ci/solara_assets_links.sh
	@py="$$( $(FIND_PYTHON) )"; \
	if [ -x "$(VPY)" ] && "$(VPY)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	  echo "== reusing $(VENV) ($$("$(VPY)" --version))"; \
	else \
	  echo "== creating $(VENV) with $$py ($$("$$py" --version))"; \
	  rm -rf "$(VENV)"; \
	  "$$py" -m venv "$(VENV)"; \
	fi
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -e ".[$(EXTRAS)]"
	bash .ci/solara_assets_links.sh $(VENV)
	@touch $@

test: venv
	$(VPY) -m pytest -q $(PYTEST_ARGS)

test-quick: venv
	$(VPY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

demo: venv
	$(VENV)/bin/coalition-sim compare --designs all --out out/compare

docs: venv
	$(VPY) -m sim.output.odd
	$(VPY) -m sim.scenario.docs

lint: venv
	$(VENV)/bin/ruff check .

app: venv
	$(VENV)/bin/coalition-sim app

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis out
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
