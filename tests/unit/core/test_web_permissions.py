"""The web app's capability tables are not a hand copy that can drift from the server's permissions.

Each feature module of the web app declares its capabilities in
static_site/js/modules/<module>/capabilities.js: the capability, the API route it stands for
("METHOD /path", plus "also": further routes it unlocks) and the roles that get it. The UI shows
or hides screens and buttons with them (`can(roles, capability)`). This test reads those tables
and checks every entry against the server's route registry:

* plain entries: the roles are exactly the roles the route allows;
* "narrower" entries (the server applies a finer rule inside the route, e.g. dispatchers may
  PATCH a member's contact fields only): where the server's rule is importable (demographics,
  status actions) the roles equal it, otherwise they are fewer than the route allows;
* "ui" entries: capabilities of the UI alone, with no route (e.g. "profile").

It also checks that every capability the web app asks for is declared, and that the member
status actions the UI offers match the server's transitions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import app  # noqa: F401 - importing the app registers every route in the registry
from chalicelib.core.api import REGISTRY  # the route registry
from chalicelib.members.domain import TRANSITIONS, StatusAction
from chalicelib.core.roles import ALL_ROLES, DEMOGRAPHICS_READERS

SITE = Path(__file__).resolve().parents[3] / "static_site"
MODULES = SITE / "js" / "modules"
TABLE = re.compile(r"export default /\* capabilities \*/ (\{.*\});\s*$", re.S)

# Server rules finer than a route, where the server keeps them in one importable place.
SERVER_RULES: dict[str, frozenset[str]] = {
    "members.editDemographics": frozenset(DEMOGRAPHICS_READERS),
    **{f"members.status.{action.value}": frozenset(roles) for action, (_, _, roles) in TRANSITIONS.items()},
}


def _parse(path: Path) -> dict[str, dict[str, Any]]:
    match = TABLE.search(path.read_text(encoding="utf-8"))
    assert match, f"{path}: expected `export default /* capabilities */ {{ … }};` in JSON form"
    body = re.sub(r",(\s*[}\]])", r"\1", match.group(1))  # trailing commas are fine in JS
    try:
        table: dict[str, dict[str, Any]] = json.loads(body)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{path}: the table must be JSON (quoted keys, no comments inside): {exc}") from exc
    return table


def _capabilities() -> dict[str, tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(MODULES.glob("*/capabilities.js")):
        for name, entry in _parse(path).items():
            assert name not in found, f"{name} is declared by {found[name][0]} and {path.parent.name}"
            found[name] = (path.parent.name, entry)
    return found


CAPABILITIES = _capabilities()
ROUTED = sorted(name for name, (_, entry) in CAPABILITIES.items() if "route" in entry)


def _routes(entry: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for text in [entry["route"], *entry.get("also", [])]:
        method, _, path = text.partition(" ")
        out.append((method, path))
    return out


def _allowed(method: str, path: str) -> frozenset[str]:
    assert (method, path) in REGISTRY, f"{method} {path} is not a route of the API"
    endpoint = REGISTRY[(method, path)]
    assert not endpoint.public, f"{method} {path} is public: a capability for it means nothing"
    return frozenset(role.value for role in endpoint.roles)


def test_every_module_declares_its_capabilities() -> None:
    modules = {p.name for p in MODULES.iterdir() if (p / "index.js").is_file()}
    assert modules, MODULES
    assert {p.parent.name for p in MODULES.glob("*/capabilities.js")} <= modules
    assert len(CAPABILITIES) > 10


@pytest.mark.parametrize("name", sorted(CAPABILITIES))
def test_each_capability_names_a_route_or_says_it_is_ui_only(name: str) -> None:
    module, entry = CAPABILITIES[name]
    assert ("route" in entry) != ("ui" in entry), f"{module}: {name} needs exactly one of \"route\" or \"ui\""
    assert set(entry["roles"]) <= {r.value for r in ALL_ROLES}, f"{module}: {name} names an unknown role"
    assert len(set(entry["roles"])) == len(entry["roles"]), f"{module}: {name} lists a role twice"
    if "ui" in entry:
        assert entry["ui"].strip() and not entry.get("also") and not entry.get("narrower")
    assert set(entry) <= {"route", "also", "roles", "narrower", "ui"}, f"{module}: {name} has unknown keys"


@pytest.mark.parametrize("name", ROUTED)
def test_capability_roles_are_the_routes_roles(name: str) -> None:
    module, entry = CAPABILITIES[name]
    ui_roles = frozenset(entry["roles"])
    for method, path in _routes(entry):
        allowed = _allowed(method, path)
        if "narrower" in entry:
            assert entry["narrower"].strip(), f"{module}: {name}: say why it is narrower than the route"
            # A rule the test can read may happen to equal the route's roles (e.g. some status actions);
            # otherwise "narrower" must really offer fewer roles than the route.
            fewer = ui_roles <= allowed if name in SERVER_RULES else ui_roles < allowed
            assert fewer, (
                f"{module}: {name} is marked narrower than {method} {path}, but its roles {sorted(ui_roles)} "
                f"are not fewer than the route's {sorted(allowed)}"
            )
        else:
            assert ui_roles == allowed, (
                f"{module}: {name} offers {sorted(ui_roles)} but {method} {path} allows {sorted(allowed)}"
            )
    if name in SERVER_RULES:
        assert ui_roles == SERVER_RULES[name], f"{module}: {name} offers {sorted(ui_roles)}, the server's rule is " \
            f"{sorted(SERVER_RULES[name])}"


def test_every_server_rule_the_ui_mirrors_has_a_capability() -> None:
    missing = sorted(set(SERVER_RULES) - set(CAPABILITIES))
    assert missing == [], f"no capability for: {missing}"


def test_member_status_actions_match_the_servers_transitions() -> None:
    text = (MODULES / "members" / "model.js").read_text(encoding="utf-8")
    actions = {m.group(1): set(json.loads(m.group(2)))
               for m in re.finditer(r'\{ value: "(\w+)", label: "[^"]*", from: (\[[^\]]*\]) \}', text)}
    expected = {action.value: {s.value for s in allowed_from} for action, (allowed_from, _, _) in TRANSITIONS.items()}
    assert actions == expected
    assert set(actions) == {a.value for a in StatusAction}


def test_every_capability_the_web_app_uses_is_declared() -> None:
    used: dict[str, str] = {}
    pattern = re.compile(r"""\bcan\(\s*["']([\w.]+)["']\s*\)|\bcap:\s*["']([\w.]+)["']""")
    for path in sorted((SITE / "js").rglob("*")):
        if path.suffix not in {".js", ".html"}:
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1) or match.group(2), str(path.relative_to(SITE)))
    assert len(used) > 10, used
    undeclared = {cap: where for cap, where in used.items() if cap not in CAPABILITIES}
    assert undeclared == {}, f"capabilities used but not declared in any capabilities.js: {undeclared}"
