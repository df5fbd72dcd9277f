#!/usr/bin/env bash
# Validates the deployment and observability files: Prometheus config and rules (syntax + unit tests),
# Alertmanager config and routing, runbook links, Grafana provisioning and dashboard, Loki/Promtail YAML,
# and docker-compose.yml when a compose CLI is available.
#
#   bash scripts/check-observability.sh
#
# Installs promtool/amtool (Debian: prometheus, prometheus-alertmanager) and python3-yaml when missing.
# Runs every check, then exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# Compose v1 needs its temporary copy beside the original (relative paths); never leave it behind.
trap 'rm -f .compose-v1-check.yml' EXIT

failed=0
ok=0
log() { printf '\n== %s\n' "$*"; }
check() {
  local name=$1
  shift
  log "$name"
  if "$@"; then
    ok=$((ok + 1))
  else
    echo "FAILED: $name" >&2
    failed=$((failed + 1))
  fi
}

ensure_tools() {
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if ! ensure_tools; then
  echo "could not install promtool/amtool/python3-yaml" >&2
  echo "observability checks: 0 ok, 1 failed"
  exit 1
fi

shopt -s nullglob
rule_files=(prometheus/rules/*.rules.yml)
rule_tests=(prometheus/rules/*.rules.test.yml)
shopt -u nullglob

# --- Prometheus ---------------------------------------------------------------------------------------
# check config also loads the rule_files it names (resolved relative to prometheus.yml).
check "promtool check config" promtool check config prometheus/prometheus.yml
check "promtool check rules" promtool check rules "${rule_files[@]}"
check "promtool test rules" promtool test rules "${rule_tests[@]}"

# --- Alertmanager -------------------------------------------------------------------------------------
check "amtool check-config" amtool check-config prometheus/alertmanager.yml

route_is() {
  local expected=$1
  shift
  local got
  got=$(amtool config routes test --config.file=prometheus/alertmanager.yml "$@" 2>/dev/null)
  if [ "$got" != "$expected" ]; then
    echo "labels $* route to '$got', expected '$expected'" >&2
    return 1
  fi
  echo "$* -> $got"
}
routing() {
  route_is pager alertname=CustopsTargetDown severity=critical &&
    route_is team alertname=CustopsDbPoolWaiting severity=warning &&
    route_is team alertname=Unknown
}
check "alertmanager routing (critical -> pager, warning -> team)" routing

# --- YAML, JSON, runbooks and dashboard queries ---------------------------------------------------------
structure() {
  python3 - "${rule_files[@]}" <<'PY'
import glob, json, os, re, subprocess, sys, tempfile

import yaml

errors = []


class UniqueKeyLoader(yaml.SafeLoader):
    """safe_load, except that a key repeated in one mapping is an error rather than a silent overwrite."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


# Every YAML file of the stack parses, without duplicate keys.
yaml_files = ["docker-compose.yml"] + sorted(
    glob.glob("prometheus/**/*.yml", recursive=True)
    + glob.glob("grafana/**/*.yml", recursive=True)
    + glob.glob("loki/**/*.yml", recursive=True)
)
for path in yaml_files:
    try:
        with open(path) as f:
            yaml.load(f, Loader=UniqueKeyLoader)
    except Exception as e:  # noqa: BLE001
        errors.append(f"{path}: {e}")
print(f"{len(yaml_files)} YAML files parsed")

# Every alert has severity warning|critical, summary, description and a runbook that exists.
for path in sys.argv[1:]:
    with open(path) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            name = rule["alert"]
            if rule.get("labels", {}).get("severity") not in ("warning", "critical"):
                errors.append(f"{path}: {name}: severity must be warning or critical")
            ann = rule.get("annotations", {})
            for key in ("summary", "description", "runbook_url"):
                if not ann.get(key):
                    errors.append(f"{path}: {name}: missing annotation {key}")
            if ann.get("runbook_url") and not os.path.isfile(ann["runbook_url"]):
                errors.append(f"{path}: {name}: runbook {ann['runbook_url']} does not exist")

# Provisioned datasource uids.
with open("grafana/provisioning/datasources/datasources.yml") as f:
    uids = {d["uid"]: d["type"] for d in yaml.safe_load(f)["datasources"]}

# Dashboards: valid JSON, unique panel ids, known datasources, and PromQL that parses. Grafana variables are
# replaced by plausible values and each expression is checked by promtool as a recording rule.
promql = []
for path in sorted(glob.glob("grafana/dashboards/*.json")):
    try:
        with open(path) as f:
            dash = json.load(f)
    except Exception as e:  # noqa: BLE001
        errors.append(f"{path}: invalid JSON: {e}")
        continue
    panels = []
    for p in dash.get("panels", []):
        panels.append(p)
        panels.extend(p.get("panels", []))
    before = len(promql)
    ids = [p["id"] for p in panels]
    if len(ids) != len(set(ids)):
        errors.append(f"{path}: duplicate panel ids")
    for p in panels:
        for t in p.get("targets", []):
            ds = t.get("datasource") or p.get("datasource") or {}
            if uids.get(ds.get("uid")) != ds.get("type"):
                errors.append(f"{path}: panel {p.get('title')!r}: unknown datasource {ds}")
            if ds.get("type") == "prometheus":
                promql.append((f"{path}: {p.get('title')}", t["expr"]))
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("datasource", {}).get("type") == "prometheus":
            promql.append((f"{path}: annotation {a.get('name')}", a["expr"]))
    print(f"{path}: {len(panels)} panels, {len(promql) - before} PromQL queries")

subst = {"$__rate_interval": "1m", "$__interval": "1m", "$__auto": "1m", "$__range": "1h"}
def concrete(expr):
    for k, v in subst.items():
        expr = expr.replace(k, v)
    return re.sub(r"\$\{?\w+(:\w+)?\}?", ".*", expr)

rules = {"groups": [{"name": "dashboard-queries", "rules": [
    {"record": f"dashboard:query_{i}", "expr": concrete(e)} for i, (_, e) in enumerate(promql)]}]}
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tmp:
    yaml.safe_dump(rules, tmp)
result = subprocess.run(["promtool", "check", "rules", tmp.name], capture_output=True, text=True)
os.unlink(tmp.name)
if result.returncode != 0:
    errors.append("dashboard PromQL does not parse:\n" + result.stdout + result.stderr)
else:
    print(f"{len(promql)} dashboard PromQL queries parse")

for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
check "YAML/JSON, alert annotations, runbooks, dashboard queries" structure

# --- docker compose ---------------------------------------------------------------------------------------
# `config` only renders and validates the file; it needs no Docker engine.
compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose -f docker-compose.yml config -q && echo "docker compose config: valid"
  elif command -v docker-compose >/dev/null; then
    # Compose v1 (Debian's docker-compose) predates the top-level `name:` key; validate the rest.
    local tmp=.compose-v1-check.yml
    sed '/^name:/d' docker-compose.yml >"$tmp"
    docker-compose -f "$tmp" config -q
    local rc=$?
    rm -f "$tmp"
    [ $rc -eq 0 ] && echo "docker-compose (v1) config: valid, top-level name: not checked"
    return $rc
  else
    echo "skipped: no docker compose CLI"
  fi
}
check "docker compose config" compose

echo
echo "observability checks: ${ok} ok, ${failed} failed"
[ "$failed" -eq 0 ]
