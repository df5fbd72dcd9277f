#!/usr/bin/env bash
# Validates the deployment and observability files: Prometheus config and rules (syntax + unit tests, and
# that every alert has a firing and a non-firing test case), Alertmanager config and routing, runbook
# anchors in docs/runbooks.md, Grafana provisioning and dashboards (datasources, PromQL, no hard-coded
# tenant), Loki/Promtail YAML, and docker-compose.yml when a compose CLI is available.
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
# Every alert of the rule files reaches the receiver of its severity (critical pages, warning emails), with
# or without a company_id; anything without a known severity still reaches the team.
routing() {
  local rc=0 name severity
  route_is pager alertname=CustopsTargetDown severity=critical || rc=1
  route_is team-email alertname=CustopsDbPoolWaiting severity=warning || rc=1
  route_is team-email alertname=Unknown || rc=1
  route_is team-email alertname=Unknown severity=info || rc=1
  while read -r name severity; do
    case $severity in
      critical) route_is pager "alertname=$name" "severity=$severity" company_id=c1 >/dev/null || rc=1 ;;
      warning) route_is team-email "alertname=$name" "severity=$severity" company_id=c1 >/dev/null || rc=1 ;;
      *) echo "$name: severity '$severity' has no route" >&2 && rc=1 ;;
    esac
  done < <(python3 - "${rule_files[@]}" <<'PY'
import sys, yaml
seen = set()
for path in sys.argv[1:]:
    for group in (yaml.safe_load(open(path)) or {}).get("groups", []):
        for rule in group.get("rules", []):
            if "alert" in rule:
                seen.add((rule["alert"], rule.get("labels", {}).get("severity", "none")))
for name, severity in sorted(seen):
    print(name, severity)
PY
  )
  [ $rc -eq 0 ] && echo "every alert of ${#rule_files[@]} rule files routes by its severity"
  return $rc
}
check "alertmanager routing (critical -> pager, warning -> team-email)" routing

# --- Alert test coverage --------------------------------------------------------------------------------
# Every alerting rule (name and severity) has a promtool test case where it is expected to fire, and one
# where it is expected not to (a case that does not list it: exp_alerts: [], or, for a name with two
# severities, a case listing only the other one); every alert name has at least one exp_alerts: [] case. A case counts only if its test file loads the rule file defining the alert:
# a test of an alert that was never loaded passes with exp_alerts: [] and proves nothing.
coverage() {
  python3 - "${rule_files[@]}" -- "${rule_tests[@]}" <<'PY'
import os, sys

import yaml

args = sys.argv[1:]
split = args.index("--")
rule_paths, test_paths = args[:split], args[split + 1:]

rules = {}  # (name, severity) -> rule file
for path in rule_paths:
    for group in (yaml.safe_load(open(path)) or {}).get("groups", []):
        for rule in group.get("rules", []):
            if "alert" in rule:
                rules[(rule["alert"], rule.get("labels", {}).get("severity"))] = os.path.normpath(path)

firing = {key: [] for key in rules}
silent = {key: [] for key in rules}
empty = set()  # alert names with an "exp_alerts: []" case
for path in test_paths:
    doc = yaml.safe_load(open(path)) or {}
    loaded = {os.path.normpath(os.path.join(os.path.dirname(path), f)) for f in doc.get("rule_files", [])}
    for test in doc.get("tests", []):
        for case in test.get("alert_rule_test", []) or []:
            name = case.get("alertname")
            expected = case.get("exp_alerts") or []
            severities = [a.get("exp_labels", {}).get("severity") for a in expected]
            where = f"{os.path.basename(path)}: {test.get('name', '?')} @ {case.get('eval_time')}"
            if not expected and any(k[0] == name and f in loaded for k, f in rules.items()):
                empty.add(name)
            for (rname, severity), rfile in rules.items():
                if rname != name or rfile not in loaded:
                    continue
                # An expected alert without a severity label matches the name's only rule, or none.
                if severity in severities or (None in severities and sum(k[0] == name for k in rules) == 1):
                    firing[(rname, severity)].append(where)
                else:
                    silent[(rname, severity)].append(where)

missing = []
print(f"{'alert':<38} {'severity':<9} {'file':<22} firing  not firing")
for key in sorted(rules):
    name, severity = key
    f, n = len(firing[key]), len(silent[key])
    print(f"{name:<38} {str(severity):<9} {os.path.basename(rules[key]):<22} {f:>6}  {n:>10}")
    if not f:
        missing.append(f"{name} ({severity}): no test case expects it to fire")
    if not n:
        missing.append(f"{name} ({severity}): no test case expects it not to fire")
for name in sorted({k[0] for k in rules} - empty):
    missing.append(f"{name}: no test case with exp_alerts: [] (nothing firing at some eval_time)")
print(f"{len(rules)} alerting rules, {len(test_paths)} test files")
for m in missing:
    print(m, file=sys.stderr)
sys.exit(1 if missing else 0)
PY
}
check "alert test coverage (every alert firing and not firing)" coverage

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

# Runbook anchors: the GitHub slug of every heading of docs/runbooks.md (code blocks skipped).
RUNBOOK = "docs/runbooks.md"


def github_slug(heading):
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
    return slug


anchors = set()
if os.path.isfile(RUNBOOK):
    counts = {}
    fenced = False
    with open(RUNBOOK) as f:
        for line in f:
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            m = None if fenced else re.match(r"#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                slug = github_slug(m.group(1))
                n = counts.get(slug, 0)
                counts[slug] = n + 1
                anchors.add(slug if n == 0 else f"{slug}-{n}")
else:
    errors.append(f"{RUNBOOK} does not exist")

# Every alert has severity warning|critical, summary, description and runbook_url docs/runbooks.md#<anchor>,
# the anchor being a heading of docs/runbooks.md.
alerts = 0
for path in sys.argv[1:]:
    with open(path) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            alerts += 1
            name = rule["alert"]
            if rule.get("labels", {}).get("severity") not in ("warning", "critical"):
                errors.append(f"{path}: {name}: severity must be warning or critical")
            ann = rule.get("annotations", {})
            for key in ("summary", "description", "runbook_url"):
                if not ann.get(key):
                    errors.append(f"{path}: {name}: missing annotation {key}")
            url = ann.get("runbook_url")
            if url:
                file, _, anchor = url.partition("#")
                if file != RUNBOOK or not anchor:
                    errors.append(f"{path}: {name}: runbook_url {url} is not {RUNBOOK}#<anchor>")
                elif anchor not in anchors:
                    errors.append(f"{path}: {name}: runbook_url {url}: no heading with anchor #{anchor} in {RUNBOOK}")
print(f"{alerts} alerts: severity, summary, description and runbook anchors in {RUNBOOK} ({len(anchors)} headings)")

# Provisioned datasource uids.
with open("grafana/provisioning/datasources/datasources.yml") as f:
    uids = {d["uid"]: d["type"] for d in yaml.safe_load(f)["datasources"]}

# Grafana's built-in pseudo datasources (a mixed panel's targets carry their own; annotations use "grafana").
BUILTIN = {"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"}

# No hard-coded tenant: a tenant is only ever chosen through a variable ($company). A UUID literal or
# company_id="<literal>" in a query pins the panel to one tenant. "All tenants" regexes are fine.
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
TENANT = re.compile(r"""company_id\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)""")
ALL_TENANTS = {".*", ".+", ""}


def hard_coded_tenant(text):
    found = []
    if UUID.search(text):
        found.append(f"UUID literal {UUID.search(text).group(0)}")
    for m in TENANT.finditer(text):
        op, value = m.group(1), m.group(2) if m.group(2) is not None else m.group(3)
        if op in ("=", "=~") and "$" not in value and value not in ALL_TENANTS:
            found.append(f"company_id{op}\"{value}\"")
    return found


def resolve(ds, variables):
    """A datasource reference as (uid, type); ${var} references resolve through datasource variables."""
    if isinstance(ds, str):
        ds = {"uid": ds}
    ds = ds or {}
    uid, kind = ds.get("uid"), ds.get("type")
    if isinstance(uid, str) and uid.startswith("$"):
        var = variables.get(uid.strip("${}").split(":")[0])
        if var and var.get("type") == "datasource":
            return uid, var.get("query")
        return uid, None
    return uid, kind


# Dashboards: valid JSON, unique panel ids, known datasources, PromQL that parses (LogQL targets of the Loki
# datasource are not PromQL and are skipped), and no hard-coded tenant in any query. Grafana variables are
# replaced by plausible values and each PromQL expression is checked by promtool as a recording rule.
promql = []
for path in sorted(glob.glob("grafana/dashboards/*.json")):
    try:
        with open(path) as f:
            dash = json.load(f)
    except Exception as e:  # noqa: BLE001
        errors.append(f"{path}: invalid JSON: {e}")
        continue
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    panels = []
    for p in dash.get("panels", []):
        panels.append(p)
        panels.extend(p.get("panels", []))
    before = len(promql)
    logql = 0
    ids = [p.get("id") for p in panels]
    if None in ids:
        errors.append(f"{path}: a panel has no id")
    if len([i for i in ids if i is not None]) != len({i for i in ids if i is not None}):
        errors.append(f"{path}: duplicate panel ids")
    for p in panels:
        for t in p.get("targets", []):
            uid, kind = resolve(t.get("datasource") or p.get("datasource"), variables)
            where = f"{path}: panel {p.get('title')!r}"
            if uid in BUILTIN:
                continue
            if isinstance(uid, str) and uid.startswith("$"):
                known = kind in set(uids.values())  # a datasource variable: some datasource of its type
            else:
                kind = kind or uids.get(uid)  # Grafana resolves a reference by uid alone
                known = kind is not None and uids.get(uid) == kind
            if not known:
                errors.append(f"{where}: unknown datasource {t.get('datasource') or p.get('datasource')}")
                continue
            expr = t.get("expr", "")
            for what in hard_coded_tenant(expr):
                errors.append(f"{where}: hard-coded tenant: {what}")
            if kind == "prometheus":
                if not expr:
                    errors.append(f"{where}: Prometheus target without expr")
                else:
                    promql.append((where, expr))
            elif kind == "loki":
                logql += 1
    for a in dash.get("annotations", {}).get("list", []):
        uid, kind = resolve(a.get("datasource"), variables)
        expr = a.get("expr", "")
        for what in hard_coded_tenant(expr):
            errors.append(f"{path}: annotation {a.get('name')!r}: hard-coded tenant: {what}")
        if kind == "prometheus" and expr:
            promql.append((f"{path}: annotation {a.get('name')}", expr))
    for name, v in variables.items():
        query = v.get("query")
        query = query.get("query", "") if isinstance(query, dict) else str(query or "")
        for what in hard_coded_tenant(query):
            errors.append(f"{path}: variable {name!r}: hard-coded tenant in its query: {what}")
        current = json.dumps(v.get("current", {})) + json.dumps(v.get("options", []))
        if name and "company" in name and UUID.search(current):
            errors.append(f"{path}: variable {name!r} is saved with a tenant selected; save it on All or empty")
    print(f"{path}: {len(panels)} panels, {len(promql) - before} PromQL and {logql} LogQL queries")

# Longest first, so $__interval_ms is not read as $__interval followed by "_ms".
subst = {"$__rate_interval": "1m", "$__interval_ms": "60000", "$__interval": "1m", "$__auto": "1m",
         "$__range_ms": "3600000", "$__range_s": "3600", "$__range": "1h"}
def concrete(expr):
    for k in sorted(subst, key=len, reverse=True):
        expr = expr.replace(k, subst[k])
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
check "YAML/JSON, alert annotations, runbook anchors, dashboards (datasources, PromQL, tenants)" structure

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
