"""The engine's folders depend on each other only as the architecture allows.

Each folder of engine/ is one part with one CMake target (engine/CMakeLists.txt);
this check reads every #include of the engine, the SDK and the plugins and
fails on one the table below does not allow, naming the file and line. The
same table is what the CMake targets link; change both together, and only
when the architecture changes (docs/layout.md).

Usage: python3 layering_check.py SOURCE_DIR
"""
import pathlib
import re
import sys

# part -> the parts it may include (core and market are the ground floor).
ALLOWED = {
    "core": set(),
    "market": {"core"},
    "plugin": {"core"},
    "data": {"core", "market"},
    "report": {"core", "market"},
    "config": {"core", "market", "data"},
    "host": {"core", "market", "plugin"},
    "pricing": {"core", "market", "data", "host"},
    "plugin_check": {"core", "market", "plugin", "host"},
    "embed": {"core", "market", "plugin", "host"},
    "python": {"core", "market", "plugin", "host", "config"},
    "run": {"core", "market", "plugin", "host", "config", "data", "report"},
    "library": {"core", "market", "plugin", "host", "config", "data", "report", "run", "python",
                "embed"},
    "cli": None,  # the command line ties every part together
}

root = pathlib.Path(sys.argv[1])
include = re.compile(r'^\s*#\s*include\s*"engine/([a-z_]+)/')
problems = []
sources = [p for p in root.glob("engine/**/*") if p.suffix in {".cpp", ".hpp", ".h", ".c"}]
for path in sources:
    part = path.relative_to(root / "engine").parts[0]
    if part not in ALLOWED:
        problems.append(f"{path.relative_to(root)}: engine/{part}/ is not in the layering table")
        continue
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = include.match(line)
        if m and m.group(1) != part and ALLOWED[part] is not None and m.group(1) not in ALLOWED[part]:
            problems.append(f"{path.relative_to(root)}:{number}: engine/{part}/ may not include "
                            f"engine/{m.group(1)}/ (allowed: {', '.join(sorted(ALLOWED[part])) or 'nothing'})")
# The SDK and the plugins are built without the engine.
for folder in ("sdk", "plugins"):
    for path in root.glob(f"{folder}/**/*"):
        if path.suffix not in {".cpp", ".hpp", ".h", ".c"} or "target" in path.parts:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if include.match(line):
                problems.append(f"{path.relative_to(root)}:{number}: {folder}/ may not include the engine")

for p in problems:
    print(p, file=sys.stderr)
print(f"{len(sources)} engine files checked, {len(problems)} layering problems")
sys.exit(1 if problems else 0)
