"""`python3 -m keel COMMAND ...`: keel's commands that are written in Python.

`keel sweep` and `keel report` (the keel executable) run these with Debian's
python3 and the keel package installed beside the executable, so both ways
give the same behaviour. Each command is a module's main(argv) -> exit code,
from the one exit-code table (docs/cli.md): 0 ok, 2 bad input, 3 a plugin
cannot load, 4 a plugin or strategy failed, 130/143 interrupted.
"""
import sys

_COMMANDS = {
    "sweep": ("keel._sweep", "run one base run file at many points of a parameter space"),
    "report": ("keel._tearsheet", "write an HTML tearsheet for a run's or a sweep's report folder"),
}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in _COMMANDS:
        out = sys.stdout if argv and argv[0] in ("-h", "--help") else sys.stderr
        if argv and argv[0] not in ("-h", "--help"):
            out.write(f"keel: unknown command {argv[0]!r}\n")
        out.write("usage: python3 -m keel COMMAND [ARGS]  (the same as `keel COMMAND`)\n")
        for name, (_, what) in _COMMANDS.items():
            out.write(f"  {name:8} {what}\n")
        return 0 if out is sys.stdout else 2
    import importlib
    module = importlib.import_module(_COMMANDS[argv[0]][0])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
