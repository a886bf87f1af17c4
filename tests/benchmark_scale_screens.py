"""Scale benchmark: the addon's screens as the browser calls them, cold and warm.

Not a test (``tests/benchmark_*.py`` are not collected): a script that prints
figures. It starts an Odoo server on a database (a COPY: the dry run writes a
wizard, nothing else is changed), logs in over HTTP as a user (admin/admin by
default) and times the JSON-RPC calls the web client makes for each screen:

    python3 tests/benchmark_scale_screens.py -d COPY [--odoo ./setup/odoo] \\
        [--port 8190] [--login admin --password admin] [--repeat 3] [--json out.json]

The calls are built the way Odoo 18's web client builds them, from the screen's
action (``/web/action/load``) and views (``get_views``): a list's first page is
``web_search_read`` (the columns' specification, ``limit`` 80, ``count_limit``
10001), a grouped list ``web_read_group`` (the columns' aggregates, lazy), a
pivot one ``read_group`` per expanded row x column group-by prefix (``lazy``
false, ``measure:aggregator``), a form ``web_read`` of the record with the
form's fields (x2many sub-lists: 40 rows). The ungrouped list's totals are
summed by the browser from the page (no call). ``get_views`` itself is cached
and independent of the data: not timed.

Each screen is called ``--repeat`` times in a row: "cold" is the first call
after the server started (the login loads the registry first), "warm" the last.
A screen's time is the sum of its calls' round trips (the browser sends a
pivot's read_groups together; the server here has one thread per request:
``--workers 0``). Queries: the server's own count for the request, from its
access log line (``werkzeug`` INFO lines end with "queries sql_seconds
other_seconds").
"""

import argparse
import ast
import contextlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from xml.etree import ElementTree

import requests
from benchmark_scale_run import load, monotonic, out

ROOT = Path(__file__).resolve().parent.parent
PERF_RE = re.compile(
    r'"(?:POST|GET) (\S+) HTTP/[\d.]+" \d+ \S+ (\d+) ([\d.]+) ([\d.]+)'
)
TOKEN_RE = re.compile(r"/dunning/customer/([A-Za-z0-9_-]{56,2048})")


class Client:
    """A logged-in browser: JSON-RPC calls, each timed with the server's query
    count for it (from the server's log)."""

    def __init__(self, url, db, log_path):
        self.url = url
        self.db = db
        self.session = requests.Session()
        self.log_path = log_path
        self.log_offset = 0
        self.calls = []  # (path, ms, queries) of the current screen

    def _server_perf(self, path):
        """(queries, sql s) the server logged for the last request to ``path``."""
        for _attempt in range(50):
            with open(self.log_path, "rb") as fh:
                fh.seek(self.log_offset)
                data = fh.read()
            found = None
            for line in data.decode(errors="replace").splitlines():
                match = PERF_RE.search(line)
                if match and match.group(1) == path:
                    found = (int(match.group(2)), float(match.group(3)))
            if found:
                self.log_offset += len(data)
                return found
            time.sleep(0.02)
        return (None, None)

    def post(self, path, params):
        start = monotonic()
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=600,
        )
        elapsed = (monotonic() - start) * 1000
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise RuntimeError(
                f"{path}: {body['error'].get('data', {}).get('message', body['error'])}"
            )
        queries, _sql = self._server_perf(path)
        self.calls.append((path, elapsed, queries))
        return body["result"]

    def get(self, path):
        start = monotonic()
        response = self.session.get(self.url + path, timeout=600)
        elapsed = (monotonic() - start) * 1000
        response.raise_for_status()
        queries, _sql = self._server_perf(path)
        self.calls.append((path, elapsed, queries))
        return response.text

    def call_kw(self, model, method, args=(), **kwargs):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def authenticate(self, login, password):
        return self.post(
            "/web/session/authenticate",
            {"db": self.db, "login": login, "password": password},
        )


# -- the web client's calls -------------------------------------------------


def literal(text, default):
    if not text:
        return default
    if not isinstance(text, str):
        return text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        # an expression (uid, context_today()): the screens measured have none
        raise ValueError(f"cannot evaluate {text!r} outside the web client") from None


def top_fields(node):
    """The <field> nodes of a view at this level, not those of x2many sub-views."""
    for child in node:
        if child.tag == "field":
            yield child
        elif child.tag not in ("list", "kanban", "form", "tree"):
            yield from top_fields(child)


def specification(arch_node, fields, models):
    spec = {}
    for node in top_fields(arch_node):
        name = node.get("name")
        field = fields.get(name)
        if field is None:
            continue
        kind = field["type"]
        if kind == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif kind in ("one2many", "many2many"):
            sub = next((c for c in node if c.tag in ("list", "kanban")), None)
            if node.get("widget") in ("many2many_tags", "many2many_tags_email"):
                spec[name] = {"fields": {"display_name": {}}}
            elif sub is not None:
                sub_fields = models.get(field["relation"], {}).get("fields", {})
                spec[name] = {
                    "fields": specification(sub, sub_fields, models),
                    "limit": 40,
                    "order": sub.get("default_order", ""),
                }
            else:
                spec[name] = {"fields": {}, "limit": 40}
        else:
            spec[name] = {}
    return spec


def load_views(client, action, view_types, context):
    views = action.get("views") or []
    wanted = [[vid, vtype] for vid, vtype in views if vtype in view_types]
    for vtype in view_types:
        if vtype not in {v[1] for v in wanted}:
            wanted.append([False, vtype])
    result = client.call_kw(
        action["res_model"], "get_views", views=wanted, options={}, context=context
    )
    client.calls.pop()  # cached, independent of the data: not timed
    return result


def list_page(client, model, views, domain, context):
    arch = ElementTree.fromstring(views["views"]["list"]["arch"])
    fields = views["models"][model]["fields"]
    spec = specification(arch, fields, views["models"])
    return client.call_kw(
        model,
        "web_search_read",
        specification=spec,
        domain=domain,
        offset=0,
        order=arch.get("default_order", ""),
        limit=80,
        context=dict(context, bin_size=True),
        count_limit=10001,
    )


def list_grouped(client, model, views, domain, context, groupby):
    arch = ElementTree.fromstring(views["views"]["list"]["arch"])
    fields = views["models"][model]["fields"]
    names = {node.get("name") for node in top_fields(arch)}
    aggregates = [
        f"{name}:{fields[name]['aggregator']}"
        for name in names
        if name in fields and fields[name].get("aggregator") and name != groupby
    ]
    return client.call_kw(
        model,
        "web_read_group",
        domain=domain,
        fields=aggregates,
        groupby=[groupby],
        orderby="",
        lazy=True,
        offset=0,
        limit=80,
        context=context,
    )


def pivot(client, model, views, domain, context):
    arch = ElementTree.fromstring(views["views"]["pivot"]["arch"])
    fields = views["models"][model]["fields"]

    def group_by(node):
        interval = node.get("interval")
        return node.get("name") + (f":{interval}" if interval else "")

    rows = [group_by(n) for n in arch if n.tag == "field" and n.get("type") == "row"]
    cols = [group_by(n) for n in arch if n.tag == "field" and n.get("type") == "col"]
    measures = [
        n.get("name") for n in arch if n.tag == "field" and n.get("type") == "measure"
    ] or ["__count"]
    specs = [
        "__count" if m == "__count" else f"{m}:{fields[m].get('aggregator') or 'sum'}"
        for m in measures
    ]
    for i in range(len(rows) + 1):
        for j in range(len(cols) + 1):
            client.call_kw(
                model,
                "read_group",
                domain=domain,
                fields=specs,
                groupby=rows[:i] + cols[:j],
                lazy=False,
                context=context,
            )


def form(client, model, views, res_id, context):
    arch = ElementTree.fromstring(views["views"]["form"]["arch"])
    fields = views["models"][model]["fields"]
    spec = specification(arch, fields, views["models"])
    return client.call_kw(
        model,
        "web_read",
        [[res_id]],
        specification=spec,
        context=dict(context, bin_size=True),
    )


# -- the screens --------------------------------------------------------------


def action_of(client, xmlid):
    action = client.post("/web/action/load", {"action_id": xmlid})
    client.calls.pop()  # static: not timed
    return action


def screens(client, base_context):
    """(name, callable) of each screen; a callable makes the screen's calls."""
    state = {}

    def action_screen(xmlid, kind, groupby=None):
        action = action_of(client, xmlid)
        context = dict(base_context, **literal(action.get("context"), {}))
        domain = literal(action.get("domain"), [])
        model = action["res_model"]
        views = load_views(client, action, [kind, "search"], context)

        def run():
            if kind == "pivot":
                return pivot(client, model, views, domain, context)
            if groupby:
                return list_grouped(client, model, views, domain, context, groupby)
            return list_page(client, model, views, domain, context)

        return run

    worklist_xmlid = "account_dunning_advanced.dunning_worklist_action"
    worklist = action_screen(worklist_xmlid, "list")

    def worklist_page():
        result = worklist()
        state.setdefault("partner_id", result["records"][0]["partner_id"]["id"])
        state.setdefault("worklist_id", result["records"][0]["id"])

    worklist_action = action_of(
        client, "account_dunning_advanced.dunning_worklist_action"
    )
    worklist_form_views = load_views(client, worklist_action, ["form"], base_context)
    partner_action = action_of(client, "account.res_partner_action_customer")
    partner_context = dict(base_context, **literal(partner_action.get("context"), {}))
    partner_views = load_views(client, partner_action, ["form"], partner_context)

    def portal_token():
        if "token" not in state:
            # the link of the customer's last email (its body quotes the page)
            partner_id = state["partner_id"]
            messages = client.call_kw(
                "mail.mail",
                "search_read",
                domain=[
                    ("body_html", "ilike", "/dunning/customer/"),
                    ("recipient_ids", "in", [partner_id]),
                ],
                fields=["body_html"],
                limit=1,
                order="id desc",
            )
            client.calls.pop()
            match = messages and TOKEN_RE.search(messages[0]["body_html"] or "")
            state["token"] = match and match.group(1)
        return state["token"]

    def dry_run():
        wizard_id = client.call_kw(
            "dunning.run.wizard", "web_save", [[], {"dry_run": True}], specification={}
        )[0]["id"]
        result = client.call_kw("dunning.run.wizard", "action_run", [[wizard_id]])
        preview_views = state.get("preview_views")
        if preview_views is None:
            preview_views = client.call_kw(
                "dunning.run.wizard",
                "get_views",
                views=[[False, "form"]],
                options={},
                context=result.get("context", {}),
            )
            client.calls.pop()
            state["preview_views"] = preview_views
        form(client, "dunning.run.wizard", preview_views, wizard_id, base_context)

    return [
        ("Worklist: first page", worklist_page),
        (
            "Worklist: by Why Not Reminded",
            action_screen(
                "account_dunning_advanced.dunning_worklist_action",
                "list",
                "hold_reason",
            ),
        ),
        (
            "Worklist: customer's form",
            lambda: form(
                client,
                "dunning.worklist",
                worklist_form_views,
                state["worklist_id"],
                base_context,
            ),
        ),
        (
            "Customer form (dunning tab)",
            lambda: form(
                client,
                "res.partner",
                partner_views,
                state["partner_id"],
                partner_context,
            ),
        ),
        (
            "Calls to Make",
            action_screen(
                "account_dunning_advanced.dunning_worklist_partner_activity_action",
                "list",
            ),
        ),
        (
            "Approval queue",
            action_screen(
                "account_dunning_advanced.dunning_communication_action_to_approve",
                "list",
            ),
        ),
        (
            "Aged receivables (pivot)",
            action_screen(
                "account_dunning_advanced.dunning_aged_receivable_report_action",
                "pivot",
            ),
        ),
        (
            "Aged receivables (list)",
            action_screen(
                "account_dunning_advanced.dunning_aged_receivable_report_action", "list"
            ),
        ),
        (
            "KPI pivot",
            action_screen(
                "account_dunning_advanced.dunning_kpi_report_action", "pivot"
            ),
        ),
        (
            "Effectiveness pivot",
            action_screen(
                "account_dunning_advanced.dunning_effectiveness_report_action", "pivot"
            ),
        ),
        (
            "Variant comparison (list by level)",
            action_screen(
                "account_dunning_advanced.dunning_variant_comparison_action",
                "list",
                "level_id",
            ),
        ),
        (
            "Variant comparison (pivot)",
            action_screen(
                "account_dunning_advanced.dunning_variant_comparison_action", "pivot"
            ),
        ),
        (
            "Self-service page (portal)",
            lambda: portal_token()
            and client.get(f"/dunning/customer/{portal_token()}"),
        ),
        ("Run wizard: dry run (Preview)", dry_run),
    ]


# -- the server ---------------------------------------------------------------


def start_server(args, log_path):
    cmd = [
        args.odoo,
        "-d",
        args.database,
        "--db-filter",
        f"^{re.escape(args.database)}$",
        "--http-port",
        str(args.port),
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
        "--log-handler",
        "werkzeug:INFO",
    ]
    with contextlib.suppress(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{args.port}/web/health", timeout=5)
        raise RuntimeError(f"port {args.port} is in use: stop that server first")
    log = open(log_path, "wb")  # noqa: SIM115 -- the server's whole life
    process = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
    )
    url = f"http://127.0.0.1:{args.port}"
    for _attempt in range(600):
        try:
            requests.get(url + "/web/health", timeout=30)
            return process, url
        except requests.RequestException:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: see {log_path}") from None
            time.sleep(0.5)
    raise RuntimeError("server did not start")


def descendants(pid):
    """``pid`` and its descendants (the odoo wrapper starts the server as a child)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def stop_server(process):
    pids = descendants(process.pid)
    for pid in reversed(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = monotonic() + 30
    while monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids[1:]):
        time.sleep(0.2)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--odoo", default=str(ROOT / "setup" / "odoo"))
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--log", default=None, help="server log (default: a tmp file)")
    parser.add_argument("--json")
    parser.add_argument(
        "--only",
        action="append",
        help="screens whose name contains this text (repeatable; default: all)",
    )
    args = parser.parse_args(argv)

    log_path = args.log or f"/tmp/benchmark_scale_screens_{os.getpid()}.log"
    load_start = load()
    process, url = start_server(args, log_path)
    results = []
    try:
        client = Client(url, args.database, log_path)
        session = client.authenticate(args.login, args.password)
        context = session["user_context"]
        client.calls.clear()
        for name, run in screens(client, context):
            if args.only and not any(o.lower() in name.lower() for o in args.only):
                continue
            client.calls.clear()
            timings = []
            for _attempt in range(args.repeat):
                client.calls.clear()
                try:
                    run()
                except Exception as error:  # noqa: BLE001 -- report and go on
                    timings.append(None)
                    out(f"{name}: {error}")
                    break
                timings.append(
                    (
                        sum(ms for _p, ms, _q in client.calls),
                        sum(q or 0 for _p, _ms, q in client.calls),
                        len(client.calls),
                        list(client.calls),
                    )
                )
            results.append((name, timings))
    finally:
        stop_server(process)

    out(f"database {args.database}, load average {load_start} -> {load()}")
    out("| screen | calls | cold ms | warm ms | queries (cold / warm) |")
    out("| --- | --- | --- | --- | --- |")
    rows = []
    for name, timings in results:
        cold, warm = timings[0], timings[-1]
        if not cold or not warm:
            out(f"| {name} | – | failed | | |")
            continue
        out(
            f"| {name} | {cold[2]} | {cold[0]:.0f} | {warm[0]:.0f} "
            f"| {cold[1]} / {warm[1]} |"
        )
        rows.append(
            {
                "screen": name,
                "calls": cold[2],
                "cold_ms": round(cold[0]),
                "warm_ms": round(warm[0]),
                "cold_queries": cold[1],
                "warm_queries": warm[1],
            }
        )
    out()
    out("calls of the screens over 1 s (warm): path, ms, queries")
    for name, timings in results:
        warm = timings[-1]
        if warm and warm[0] > 1000:
            for path, ms, queries in warm[3]:
                out(f"  {name}: {path.rsplit('/', 2)[-2:]} {ms:.0f} ms, {queries} q")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
