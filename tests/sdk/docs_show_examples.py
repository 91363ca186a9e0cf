#!/usr/bin/env python3
"""sdk.docs_show_examples — the docs show the example plugins' files as they are.

A page that walks through an example shows its files verbatim; this test
fails when a file changed and the page did not (or the other way round).

    docs_show_examples.py SOURCE_DIR

Each example names the page that must show it.
"""
import pathlib
import sys

EXAMPLES = [
    # (page, example folder, files shown)
    ("docs/plugins-c.md", "examples/c_plugin",
     ["CMakeLists.txt", "black76.c", "book_imbalance.c", "acme_c_models.h"]),
    ("docs/plugins-rust.md", "examples/out_of_tree/rust_plugin",
     ["Cargo.toml", "build.rs", "src/lib.rs", "CMakeLists.txt"]),
    ("docs/plugins-ocaml.md", "examples/out_of_tree/ocaml_plugin", ["acme_ml_models.ml", "CMakeLists.txt"]),
]


def pages(source: pathlib.Path, page: str) -> dict:
    if page != "any":
        return {page: (source / page).read_text()}
    found = {"README.md": (source / "README.md").read_text()}
    for doc in sorted((source / "docs").glob("*.md")):
        found[str(doc.relative_to(source))] = doc.read_text()
    return found


def main() -> int:
    source = pathlib.Path(sys.argv[1])
    problems = []
    for page, folder, files in EXAMPLES:
        texts = pages(source, page)
        for name in files:
            content = (source / folder / name).read_text().rstrip("\n")
            if not any(content in text for text in texts.values()):
                where = page if page != "any" else "README.md or a page in docs/"
                problems.append(f"{where} does not show {folder}/{name} as it is")
    for problem in problems:
        print("  " + problem, file=sys.stderr)
    if not problems:
        print(f"every example file shown verbatim ({sum(len(f) for _, _, f in EXAMPLES)} files)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
