# Minsheng — the README's two commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 2026
TEST_WORKERS ?= auto
BIN := $(VENV)/bin

.PHONY: run setup test lint bench clean

# Virtualenv + dependencies, re-run only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "无法创建虚拟环境：请先安装 python3-venv（Debian/Ubuntu: apt-get install python3-venv）"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(VENV)/.installed

# 1. Set up and serve on the embedded default (SQLite in var/, demo data, debug mode).
run: setup
	MINSHENG_DEBUG=1 $(BIN)/minsheng migrate --noinput
	MINSHENG_DEBUG=1 $(BIN)/minsheng demo --seed $(SEED)
	MINSHENG_DEBUG=1 $(BIN)/minsheng screen --user county_office
	MINSHENG_DEBUG=1 $(BIN)/minsheng departments sample --out var/department-samples
	@echo ""
	@echo "民生已启动：http://$(HOST):$(PORT)/   （用上面的演示账号登录；Ctrl+C 停止）"
	@echo ""
	@MINSHENG_DEBUG=1 $(BIN)/minsheng db_worker --no-reload --no-startup-delay >var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  MINSHENG_DEBUG=1 $(BIN)/minsheng runserver --noreload $(HOST):$(PORT)

# 2. The whole test suite (SQLite; PostgreSQL when MINSHENG_TEST_DATABASE_URL is set).
#    pytest's exit code 5 ("no tests collected") is turned into a failure.
test: setup
	@$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "错误：没有运行任何测试"; exit 1; fi; exit $$rc

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/region_subtree.py

clean:
	rm -rf $(VENV) var/minsheng.sqlite3* .pytest_cache
