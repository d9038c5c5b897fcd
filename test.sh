#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs whatever the tests need
# that is missing, runs the static checks (fmt, clippy, the engine-alone and
# engine+attach builds that check the layers), then every test. `.ci/run` is
# this command. Arguments go to `cargo test` and skip the static checks
# (e.g. ./test.sh --test server).
#
# What the tests need besides Rust, and why (nothing is mocked):
#   postgresql            the service and store tests start their own server on loopback
#   wrk                   benches/wrk (the load benchmark script)
#   chromium, fonts-noto-cjk   tests/browser.rs drives the pages in headless Chromium;
#                         the OCR tests render scanned pages with the CJK fonts
#   tesseract-ocr, tesseract-ocr-chi-sim   OCR of pictures and scanned pages
#                         (tests/attachments/scans.rs runs it for real)
#   playwright-core (npm) drives Chromium from tests/e2e/e2e.mjs
#   openapi-spec-validator, schemathesis (PyPI)   tests/api_contract.rs
#   wordpress, mariadb-server, php-cli, php-mysql, php-curl, php-xml
#                         tests/wordpress/ copies Debian's WordPress tree, starts its
#                         own MariaDB on a socket and PHP's server on loopback
#                         (the packages' own apache2 and mariadb services are not used)
set -euo pipefail
cd "$(dirname "$0")"

sudo=()
[[ $(id -u) == 0 ]] || sudo=(sudo)
apt_missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_missing+=(postgresql)
command -v wrk >/dev/null || apt_missing+=(wrk)
[[ -x /usr/bin/chromium ]] || apt_missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || apt_missing+=(fonts-noto-cjk)
[[ -f /usr/share/wordpress/wp-settings.php ]] || apt_missing+=(wordpress)
[[ -x /usr/sbin/mariadbd ]] || apt_missing+=(mariadb-server)
php_modules=$(php -m 2>/dev/null || true)
command -v php >/dev/null || apt_missing+=(php-cli)
grep -qx mysqli <<<"$php_modules" || apt_missing+=(php-mysql)
grep -qx curl <<<"$php_modules" || apt_missing+=(php-curl)
grep -qx xml <<<"$php_modules" || apt_missing+=(php-xml)
command -v tesseract >/dev/null || apt_missing+=(tesseract-ocr)
dpkg -s tesseract-ocr-chi-sim >/dev/null 2>&1 || apt_missing+=(tesseract-ocr-chi-sim)
if ((${#apt_missing[@]})); then
  echo "test.sh: installing ${apt_missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"
fi

# playwright-core for the browser tests, pinned by package-lock.json.
lock_sum=$(sha256sum tests/e2e/package-lock.json | cut -d' ' -f1)
if [[ ! -d tests/e2e/node_modules || $(cat tests/e2e/node_modules/.lock-sha256 2>/dev/null) != "$lock_sum" ]]; then
  npm ci --prefix tests/e2e --no-audit --no-fund
  echo "$lock_sum" > tests/e2e/node_modules/.lock-sha256
fi

# The API contract tools, in a venv of their own (versions pinned here).
venv=target/test-tools/venv
py_tools=(openapi-spec-validator==0.9.0 schemathesis==4.32.5)
if [[ ! -x $venv/bin/schemathesis || $(cat $venv/.tools 2>/dev/null) != "${py_tools[*]}" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${py_tools[@]}"
  echo "${py_tools[*]}" > "$venv/.tools"
fi

if (($# == 0)); then
  cargo fmt --check
  cargo clippy --all-targets -- -D warnings
  # The layers: the engine alone, engine + attach. A wrong import fails here.
  cargo check --lib --no-default-features
  cargo check --lib --no-default-features --features attach
fi
cargo test "$@"
