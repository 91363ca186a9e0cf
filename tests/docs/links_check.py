"""Every relative link in README.md and docs/*.md leads somewhere: the file
exists, and an #anchor names a heading of the page it points into (GitHub's
slug rules: lower case, punctuation dropped, spaces to hyphens).

Usage: python3 links_check.py SOURCE_DIR
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
pages = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slugs(path):
    found, fenced = set(), False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"#{1,6} (.*)", line)
        if m:
            found.add(re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-"))
    return found


problems = []
for page in pages:
    fenced = False
    for number, line in enumerate(page.read_text().splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        for target in link.findall(line):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            where = f"{page.relative_to(root)}:{number}"
            if not dest.exists():
                problems.append(f"{where}: {target}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in slugs(dest):
                problems.append(f"{where}: {target}: no heading '{anchor}' in {dest.name}")

for p in problems:
    print(p, file=sys.stderr)
print(f"{len(pages)} pages checked, {len(problems)} broken links")
sys.exit(1 if problems else 0)
