# Two commands for a new user: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 5000
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run test lint install fonts test-tools test-js migrate seed clean serve-prod worker prod-env

run: install fonts migrate seed
	@$(FLASK) demo logins
	@echo "服务地址: http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: lint install fonts test-tools test-js
	$(BIN)/pytest $(PYTEST_ARGS)

# Style and format (ruff), the layers' import contracts (lint-imports) and the types of the domain and the use
# cases (mypy); the contracts and the checked modules are in pyproject.toml.
LINTED := inspect_app tests bench migrations wsgi.py
lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports
	$(BIN)/mypy

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# WeasyPrint and the browser need a CJK font, or Chinese renders as empty boxes. WeasyPrint subsets the fonts it
# embeds with HarfBuzz's subsetter when the library is there, else with fontTools, which made a 20-station report
# take 178 s instead of 15 s here (a CJK font has tens of thousands of glyphs).
fonts:
	@if fc-list 'Noto Sans CJK SC' 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing a CJK font (fonts-noto-cjk)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else \
		echo "缺少报告所用的中文字体（Noto Sans CJK SC）：请以 root 运行 'apt-get install fonts-noto-cjk'，否则报告会改用其他字体或显示为方框。"; \
	fi
	@if /sbin/ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing HarfBuzz's font subsetter (libharfbuzz-subset0)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; \
	else \
		echo "缺少 libharfbuzz-subset0：请以 root 运行 'apt-get install libharfbuzz-subset0'，否则生成报告会慢十倍。"; \
	fi

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used) and WebKit, the
# engine of every iPhone browser: WebKitWebDriver with its MiniBrowser (webkit2gtk-driver), under an Xvfb display
# the tests start themselves, and tests/browser/profile_browser.py, a WebKitGTK browser keeping its data on disk,
# run by Debian's python3 with python3-gi and gir1.2-webkit2-4.1 (selenium, the WebDriver client, comes with the
# project's test extras). The PDF tests use poppler's pdftoppm, pdftotext and pdfsig (certutil makes its trust
# store), and openssl checks the signatures. Each pair is a file (a pattern) and the Debian package that brings it.
TEST_TOOLS := /usr/bin/chromium:chromium /usr/bin/pdfsig:poppler-utils /usr/bin/openssl:openssl \
              /usr/bin/certutil:libnss3-tools /usr/bin/WebKitWebDriver:webkit2gtk-driver /usr/bin/Xvfb:xvfb \
              /usr/lib/python3/dist-packages/gi/__init__.py:python3-gi \
              /usr/lib/*/girepository-1.0/WebKit2-4.1.typelib:gir1.2-webkit2-4.1
test-tools:
	@missing=""; for pair in $(TEST_TOOLS); do ls $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing test tools:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "缺少测试工具：请以 root 运行 'apt-get install$$missing'"; exit 1; \
	fi

# The outbox's rules (static/pwa/sync_core.js) run under Node's own test runner, no npm packages.
test-js:
	@command -v node >/dev/null || { echo "缺少 Node.js：请以 root 运行 'apt-get install nodejs'（tests/js/ 的脚本测试需要它）" >&2; exit 1; }
	node --test --test-reporter=dot tests/js/

migrate: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) demo seed --if-empty

# Production: gunicorn (inspect_app/gunicorn_conf.py; HOST, PORT, WEB_CONCURRENCY...) on PostgreSQL, behind an
# HTTPS reverse proxy. The settings are checked before anything is installed or migrated.
# Stored files: FILE_STORE_URL=s3://bucket[/prefix] (with FILE_STORE_ENDPOINT and the keys) for several servers, else
# FILE_STORE_PATH on this machine; `flask files check` writes, reads back and removes a probe file first, and
# refuses to start on a bucket anyone can read.
serve-prod: prod-env install fonts
	APP_ENV=production $(FLASK) db upgrade
	APP_ENV=production $(FLASK) files check
	APP_ENV=production exec $(BIN)/gunicorn -c inspect_app/gunicorn_conf.py wsgi:app

# Builds evidence bundles from the Redis queue; run it with the same environment as serve-prod, plus REDIS_URL.
worker: prod-env install fonts
	@[ -n "$$REDIS_URL" ] || { echo "make worker 需要 REDIS_URL（如 redis://127.0.0.1:6379/0），网站进程也须设置同一地址" >&2; exit 1; }
	APP_ENV=production $(FLASK) files check
	APP_ENV=production exec $(FLASK) jobs worker

prod-env:
	@case "$$DATABASE_URL" in \
		postgresql://*|postgres://*|postgresql+psycopg://*) ;; \
		*) now="$${DATABASE_URL:+$${DATABASE_URL%%:*}: 地址}"; \
		   echo "生产环境须使用 PostgreSQL：请设置 DATABASE_URL=postgresql://用户@主机:5432/数据库（当前：$${now:-未设置}）" >&2; \
		   exit 1;; \
	esac
	@[ -n "$$SECRET_KEY" ] || { echo 'APP_ENV=production 需要 SECRET_KEY（会话与 CSRF 的签名密钥），如 export SECRET_KEY=$$(python3 -c "import secrets; print(secrets.token_hex(32))")' >&2; exit 1; }
	@[ -n "$$PKI_CA_PASSPHRASE" ] || { echo "APP_ENV=production 需要 PKI_CA_PASSPHRASE（加密市中心根证书私钥的口令，须妥善保管，丢失则无法再签发证书）" >&2; exit 1; }
	@case "$$FILE_STORE_URL" in \
		"") echo "文件存储：本机目录 $${FILE_STORE_PATH:-instance/files}（只有一台服务器时可用；多台服务器须设置 FILE_STORE_URL=s3://存储桶）";; \
		s3://?*) [ -n "$$FILE_STORE_ENDPOINT" ] || echo "未设置 FILE_STORE_ENDPOINT：将连接 AWS S3；政务云对象存储请填写其 S3 兼容地址（如 https://oss-cn-xxx.aliyuncs.com）"; \
		   if { [ -n "$$FILE_STORE_ACCESS_KEY" ] && [ -z "$$FILE_STORE_SECRET_KEY" ]; } || { [ -z "$$FILE_STORE_ACCESS_KEY" ] && [ -n "$$FILE_STORE_SECRET_KEY" ]; }; then \
		     echo "FILE_STORE_ACCESS_KEY 与 FILE_STORE_SECRET_KEY 须同时设置" >&2; exit 1; fi; \
		   rest="$${FILE_STORE_URL#s3://}"; case "/$${rest%/}/" in */../*|*/./*|*//*) \
		     echo "FILE_STORE_URL 的前缀不能含空段、. 或 ..（当前：$$FILE_STORE_URL）" >&2; exit 1;; esac; \
		   case "$$FILE_STORE_ENDPOINT" in ""|http://?*|https://?*) ;; *) \
		     echo "FILE_STORE_ENDPOINT 须以 http:// 或 https:// 开头（当前：$$FILE_STORE_ENDPOINT）" >&2; exit 1;; esac;; \
		*) echo "FILE_STORE_URL 须为 s3://存储桶 或 s3://存储桶/前缀（当前：$$FILE_STORE_URL）" >&2; exit 1;; \
	esac

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
