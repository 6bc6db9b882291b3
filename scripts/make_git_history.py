"""A large git history for measuring `market import-commits` (docs/contributions.md).

    python scripts/make_git_history.py 100000 | git -C REPO fast-import --quiet

writes a `git fast-import` stream of N commits on `main`, each by one of six authors at four
e-mail domains (one name not in ASCII) changing one to three files of several languages.
"""

from __future__ import annotations

import random
import sys

AUTHORS = [
    ("Anna Ærø", "anna@fjordsoft.dk"),
    ("Bo Berg", "bo@nordlys.dk"),
    ("Carl", "carl@fjordsoft.dk"),
    ("Dorte", "dorte@example.org"),
    ("Eve", "eve@users.noreply.github.com"),
    ("Fu", "fu@nordlys.dk"),
]
EXTENSIONS = [".py", ".ts", ".html", ".java", ".md", ".css"]


def main(count: int) -> None:
    rng = random.Random(1)
    out = sys.stdout.buffer
    for i in range(1, count + 1):
        name, mail = rng.choice(AUTHORS)
        when = 1_600_000_000 + i * 600
        message = f"change {i}\n".encode()
        out.write(b"commit refs/heads/main\nmark :%d\n" % i)
        out.write(f"author {name} <{mail}> {when} +0100\n".encode())
        out.write(f"committer {name} <{mail}> {when} +0100\n".encode())
        out.write(b"data %d\n%s" % (len(message), message))
        if i > 1:
            out.write(b"from :%d\n" % (i - 1))
        for _ in range(rng.randint(1, 3)):
            path = f"src/m{rng.randint(0, 300)}/f{rng.randint(0, 20)}{rng.choice(EXTENSIONS)}"
            lines = (f"line {rng.randint(0, 9999)}" for _ in range(rng.randint(1, 30)))
            body = ("\n".join(lines) + "\n").encode()
            out.write(b"M 100644 inline %s\ndata %d\n%s" % (path.encode(), len(body), body))
        out.write(b"\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
