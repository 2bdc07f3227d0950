# Two commands for a new user: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 5000
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test install fonts test-tools migrate seed clean

run: install fonts migrate seed
	@$(FLASK) demo logins
	@echo "服务地址: http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install fonts test-tools
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# WeasyPrint and the browser need a CJK font, or Chinese renders as empty boxes.
fonts:
	@if fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing a CJK font (fonts-noto-cjk)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else \
		echo "缺少中文字体：请以 root 运行 'apt-get install fonts-noto-cjk'（或 fonts-wqy-microhei），否则中文会显示为方框。"; \
	fi

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used); the PDF
# tests use poppler's pdftoppm, pdftotext and pdfsig (certutil makes its trust store), and openssl checks the
# signatures.
TEST_TOOLS := /usr/bin/chromium:chromium /usr/bin/pdfsig:poppler-utils /usr/bin/openssl:openssl \
              /usr/bin/certutil:libnss3-tools
test-tools:
	@missing=""; for pair in $(TEST_TOOLS); do [ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing test tools:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "缺少测试工具：请以 root 运行 'apt-get install$$missing'"; exit 1; \
	fi

migrate: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) demo seed --if-empty

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
