"""``docs/plugins.md`` cannot rot: what it names exists, what it quotes is the real code.

Checked in the page: every dotted name of ``govspider``, ``govspider_plugins`` or ``tests``
(prose and code) imports; every repository path it quotes exists (a ``<placeholder>`` matches
anything); every ``govspider_*`` hook it names is a hook spec, and every hook spec is named;
every ``govspider`` command and ``make`` target exists; every setting name appears in the
sources; every code block marked ``*from `PATH`:*`` is found in PATH (``...`` lines skip
code); the block marked ``<!-- example: detector -->`` runs: its detector flags its planted
case, spares its hard negative, and the sandbox world plants both. README.md's developer
section links the page and the import drawing, and lists every hook.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import re
import types
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

import click
import pytest

from govspider import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plugins.md"
#: top-level folders and files of the repository a quoted path may start with
TOP = ("govspider/", "plugins/", "tests/", "docs/", "bench/")
TOP_FILES = ("pyproject.toml", "setup.py", "Makefile", "README.md", "scrapy.cfg")
#: crawl stats keys look like paths; each must be a prefix the spiders' base class counts under
STATS_KEYS = ("govspider/outcome/", "govspider/errors/", "govspider/requests/")
#: where the setting names the page quotes must appear
SOURCES = ("govspider", "plugins", "tests/plugins")

#: a code block, after its mark: ``*from `PATH`:*`` (a quote of PATH) or ``<!-- example: ... -->``
FENCE = re.compile(r"(?:(?:<!-- (?P<mark>[^>]*?) -->|\*from `(?P<path>[^`]+)`:\*)\n)?"
                   r"```(?P<info>[^\n]*)\n(?P<code>.*?)\n```", re.S)
DOTTED = re.compile(r"(?<![\w.])((?:govspider|govspider_plugins|tests)(?:\.[A-Za-z_]\w*)+)")
FROM_IMPORT = re.compile(r"^\s*from\s+((?:govspider|govspider_plugins|tests)[\w.]*)\s+import\s+([^(\n]+)$",
                         re.M)
INLINE = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\]\(([^)\s#]+)")
SETTING = re.compile(r"^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=.*)?$")
#: ``name(args)``, ``receiver.name(args)``, ``Class.attribute``: what the page says is called
CALL = re.compile(r"^(?:await )?(?:(?P<receiver>self|world|ctx|inp)\.)?(?P<name>[A-Za-z_][\w.]*)"
                  r"(?:\((?P<args>.*)\))?$")


@dataclass(frozen=True)
class Block:
    mark: str
    info: str
    code: str


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def blocks(text: str) -> list[Block]:
    return [Block(f"from {m['path']}" if m["path"] else m["mark"] or "", m["info"].strip(), m["code"])
            for m in FENCE.finditer(text)]


def prose(text: str) -> str:
    """The page without its code blocks."""
    return FENCE.sub("", text)


def spans(text: str) -> list[str]:
    """Inline code of the prose (tables included), a span broken over lines joined again."""
    return [" ".join(s.split()) for s in INLINE.findall(prose(text))]


def resolve(dotted: str) -> Any:
    """The module or object a dotted name names (a module is found, not imported);
    ``LookupError`` when it does not exist."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            spec = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        if i == len(parts):
            return spec
        obj: Any = importlib.import_module(module)
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                raise LookupError(f"{dotted}: {module} has no {'.'.join(parts[i:])}")
            obj = getattr(obj, attr)
        return obj
    raise LookupError(f"{dotted}: no such module")


def hook_specs() -> set[str]:
    return {name for name in dir(hookspecs) if name.startswith("govspider_")
            and callable(getattr(hookspecs, name))
            and hasattr(getattr(hookspecs, name), f"{hookspecs.PROJECT}_spec")}


# ------------------------------------------------------------------------------ the checks
def test_the_page_exists_and_quotes_code() -> None:
    text = _doc()
    assert [b for b in blocks(text) if b.mark.startswith("from ")], "the page quotes no real code"
    assert len(DOTTED.findall(text)) > 20 and len(spans(text)) > 50


def test_dotted_names_import() -> None:
    text = _doc()
    names = set(DOTTED.findall(text))
    for block in blocks(text):
        for module, imported in FROM_IMPORT.findall(block.code):
            names.update(f"{module}.{n.split(' as ')[0].strip()}" for n in imported.split(",") if n.strip())
    missing = []
    for name in sorted(names):
        try:
            resolve(name.rstrip("."))
        except LookupError as exc:
            missing.append(str(exc))
    assert not missing, "docs/plugins.md names what does not exist:\n" + "\n".join(missing)


def _paths(text: str) -> set[str]:
    found = set(LINK.findall(prose(text)))
    found.update(s for s in spans(text) if " " not in s and (s.startswith(TOP) or s in TOP_FILES))
    return found


def _named_classes(text: str) -> dict[str, type]:
    """The classes the page names by a dotted name, by class name."""
    out = {}
    for name in set(DOTTED.findall(text)):
        obj = resolve(name)
        if isinstance(obj, type):
            out[obj.__name__] = obj
    return out


def _attribute(owners: list[Any], name: str) -> Any:
    """``name`` of the first of ``owners`` that has it (a dataclass field counts); ``LookupError``."""
    for owner in owners:
        if hasattr(owner, name):
            return getattr(owner, name)
        if dataclasses.is_dataclass(owner) and name in {f.name for f in dataclasses.fields(owner)}:
            return None
    raise LookupError(name)


def test_calls_and_attributes_exist() -> None:
    """``World(..., plugins=...)``, ``world.posts(account, start, count)``, ``self.due(doc)``,
    ``Platform.label``: the callable or attribute exists, and takes the keywords and the number
    of arguments the page shows."""
    from govspider.detection import DetectContext
    from govspider.platform import ParseInput
    from govspider.sandbox.world import World

    text = _doc()
    classes = _named_classes(text)
    receivers: dict[str, list[Any]] = {"self": list(classes.values()), "world": [World],
                                       "ctx": [DetectContext], "inp": [ParseInput]}
    specs = hook_specs()
    checked, wrong = 0, []
    for span in spans(text):
        m = CALL.match(span)
        if not m or (m["args"] is None and "." not in m["name"]) or m["name"] in specs:
            continue
        name, receiver = m["name"], m["receiver"]
        try:
            if name.startswith(("govspider.", "govspider_plugins.", "tests.")):
                obj = resolve(name)
            elif receiver:
                obj = _attribute(receivers[receiver], name)
            elif "." in name:
                head, _, rest = name.partition(".")
                if head not in classes:
                    continue
                obj = _attribute([classes[head]], rest)
            elif name in classes:
                obj = classes[name]
            else:  # a bare method: of a class the page names
                obj = _attribute(list(classes.values()), name)
        except LookupError:
            wrong.append(f"{span}: no such name")
            continue
        checked += 1
        if m["args"] is None or not callable(obj):
            continue
        params = inspect.signature(obj).parameters.values()
        args = [a.strip() for a in m["args"].split(",") if a.strip() and a.strip() != "..."]
        keywords = [a.split("=", 1)[0] for a in args if re.match(r"^[a-z_]\w*=", a)]
        positional = [a for a in args if not re.match(r"^[a-z_]\w*=", a)]
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
        names = {p.name for p in params}
        wrong += [f"{span}: no keyword {k!r}" for k in keywords if k not in names and not takes_any]
        if not any(p.kind is p.VAR_POSITIONAL for p in params) and len(positional) > len(
                [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]):
            wrong.append(f"{span}: too many arguments")
    assert checked >= 20
    assert not wrong, "docs/plugins.md calls what does not exist:\n" + "\n".join(wrong)


def test_repository_paths_exist() -> None:
    missing = []
    paths = _paths(_doc())
    assert {"tests/plugins/toyplatform/", "govspider/hookspecs.py", "tests/fixturecases.py"} <= paths
    base = (ROOT / "govspider" / "spiders" / "base.py").read_text(encoding="utf-8")
    for path in sorted(paths):
        if path.startswith(STATS_KEYS):
            prefix = next(k for k in STATS_KEYS if path.startswith(k))
            if f'"{prefix}' not in base and f'f"{prefix}' not in base:
                missing.append(f"{path} (a stats key PlatformSpider does not count)")
            continue
        if "<" in path:
            pattern = re.sub(r"<[^>]*>", "*", path.rstrip("/"))
            if not list(ROOT.glob(pattern)):
                missing.append(f"{path} (nothing matches {pattern})")
        elif not (ROOT / path).exists():
            missing.append(path)
    assert not missing, "docs/plugins.md quotes paths that do not exist: " + ", ".join(missing)


def test_hooks_named_are_the_hook_specs() -> None:
    text = _doc()
    named = {m.group(1) for s in spans(text) if (m := re.match(r"^(govspider_\w+)\(", s + "("))
             and m.group(1) != "govspider_plugins"}
    specs = hook_specs()
    assert specs >= {"govspider_platforms", "govspider_detectors", "govspider_settings",
                     "govspider_sandbox_worlds", "govspider_sandbox_routes"}
    assert named - specs == set(), f"not hook specs: {sorted(named - specs)}"
    assert specs - named == set(), f"hooks docs/plugins.md does not name: {sorted(specs - named)}"


def _command_lines(text: str) -> list[str]:
    lines = [s for s in spans(text) if s.startswith(("govspider ", "make "))]
    for block in blocks(text):
        if block.info in ("sh", "bash", "console"):
            lines += [ln.strip() for ln in block.code.splitlines()
                      if ln.strip().startswith(("govspider ", "make "))]
    return lines


def test_commands_and_make_targets_exist() -> None:
    from govspider.cli import COMMANDS

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lines = _command_lines(_doc())
    assert any(ln.startswith("govspider demo") for ln in lines)
    assert any(ln.startswith("make fixtures") for ln in lines)
    for line in lines:
        words = line.split()
        if words[0] == "make":
            assert re.search(rf"^{re.escape(words[1])}:", makefile, re.M), f"no make target: {line}"
            continue
        if words[1].startswith("-"):  # govspider --help
            continue
        assert words[1] in COMMANDS, f"no command: {line}"
        command = COMMANDS[words[1]].load()
        if isinstance(command, click.Group) and len(words) > 2 and re.fullmatch(r"[a-z][a-z-]*", words[2]):
            assert command.get_command(click.Context(command), words[2]) is not None, f"no command: {line}"


def test_setting_names_appear_in_the_sources() -> None:
    names = {m.group(1) for s in spans(_doc()) if (m := SETTING.match(s))}
    assert {"GOVSPIDER_RATE_LIMITS", "GOVSPIDER_COOKIE_HOSTS", "TOY_BASE_URL"} <= names
    sources = "\n".join(p.read_text(encoding="utf-8") for top in SOURCES
                        for p in (ROOT / top).rglob("*.py"))
    missing = sorted(n for n in names if not re.search(rf"(?<![A-Z0-9_]){n}(?![A-Z0-9_])", sources))
    assert not missing, f"settings docs/plugins.md names that no source mentions: {missing}"


def _chunks(code: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for line in code.splitlines():
        if line.strip() in ("...", "# ..."):
            out.append([])
        else:
            out[-1].append(line.strip())
    return [c for c in out if any(c)]


def _contains(lines: list[str], chunk: list[str], start: int) -> int:
    """Index after the first occurrence of ``chunk`` in ``lines`` at or after ``start``; -1."""
    for i in range(start, len(lines) - len(chunk) + 1):
        if lines[i:i + len(chunk)] == chunk:
            return i + len(chunk)
    return -1


def test_quoted_code_is_the_real_code() -> None:
    quoted = [b for b in blocks(_doc()) if b.mark.startswith("from ")]
    assert {b.mark for b in quoted} >= {f"from tests/plugins/toyplatform/{f}.py"
                                       for f in ("__init__", "pages", "spider", "world", "sandbox")}
    for block in quoted:
        path = ROOT / block.mark.removeprefix("from ").strip()
        assert path.is_file(), block.mark
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        at = 0
        for chunk in _chunks(block.code):
            found = _contains(lines, chunk, at)
            assert found >= 0, f"docs/plugins.md quotes {path.relative_to(ROOT)} wrongly:\n" + "\n".join(chunk)
            at = found


@pytest.fixture(scope="module")
def example() -> types.ModuleType:
    [block] = [b for b in blocks(_doc()) if b.mark == "example: detector"]
    module = types.ModuleType("docs_plugins_example")
    exec(compile(block.code, "docs/plugins.md", "exec"), module.__dict__)  # noqa: S102 - our own page
    return module


def test_the_example_detector_runs(example: types.ModuleType) -> None:
    from govspider.detection import DetectContext, Detector, run_detectors
    from govspider.sandbox.cases import Scene
    from tests.fixturecases import FROZEN_NOW

    [detector] = example.govspider_detectors()
    assert isinstance(detector, Detector) and detector.name == "placeholder_text"
    scene = Scene(short="临江", full="临江市", org="临江市人民政府办公室", region="110100", year="2026",
                  date="11月3日", account="临江发布")
    texts = {case.label: case.posts[0].write(Random(1), scene)[1] for case in detector.planted}
    items = [{"_id": f"toy:{label}", "item_type": "post", "platform": "toy", "text": text}
             for label, text in texts.items()]
    findings = list(run_detectors([detector], items, DetectContext(now=FROZEN_NOW)))
    assert [(f.subject_id, f.rule) for f in findings] == [("toy:True", "placeholder")]


def test_the_world_plants_the_example_cases(example: types.ModuleType) -> None:
    from govspider.plugins import InstalledPlugins, new_manager
    from govspider.sandbox.world import World

    pm = new_manager()
    pm.register(example, name="placeholder")
    world = World(seed=7, size="small", plugins=InstalledPlugins(pm))
    rows = [r for r in world.ground_truth() if r["detector"] == "placeholder_text"]
    assert sorted(r["label"] for r in rows) == [False, True]
    [positive] = [r for r in rows if r["label"]]
    assert "【此处填写活动名称】" in positive["note"]


def test_readme_links_the_page_and_the_import_drawing() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Developers", 1)[1].split("\n## ", 1)[0]
    links = set(LINK.findall(section))
    assert {"docs/plugins.md", "docs/imports.svg"} <= links
    assert all((ROOT / link).exists() for link in links if not link.startswith("http"))
    named = set(re.findall(r"`(govspider_\w+)`", section)) - {"govspider_plugins"}
    assert named == hook_specs()
