"""The hot spots of a py-spy profile (`py-spy record --format raw`, as bench_inbound.py --profile-rate writes it).

    .venv/bin/python bench/profile_top.py PROFILE.txt [--top 25]

Prints, as shares of all samples: where the time is spent (leaf frames, by function), which of
our functions (bot/, handlers/) the time is spent under (inclusive), and which package the leaf
frame belongs to (sqlalchemy, psycopg, telegram, httpx, ...).
"""

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
OURS = ("bot/", "handlers/")


def parse(path: Path) -> list[tuple[list[str], int]]:
    """Stacks (outermost first, each frame as "function (file)") with their sample counts."""
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append(([without_line(frame) for frame in frames.split(";")], int(count)))
    return stacks


def without_line(frame: str) -> str:
    match = FRAME.match(frame)
    return f"{match['function']} ({match['file']})" if match else frame


def package(frame: str) -> str:
    match = re.search(r"\(([^/()]+)[/)]", frame)
    return match.group(1) if match else frame


def shares(stacks: list[tuple[list[str], int]]) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for frames, count in stacks:
        leaves[frames[-1]] += count
        packages[package(frames[-1])] += count
        for frame in set(frames):
            if any(f"({prefix}" in frame for prefix in OURS):
                ours[frame] += count
    return leaves, ours, packages, sum(count for _, count in stacks)


def print_top(title: str, counts: Counter[str], total: int, top: int) -> None:
    print(f"\n{title}")
    for name, count in counts.most_common(top):
        print(f"{100 * count / total:6.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    leaves, ours, packages, total = shares(parse(args.profile))
    print(f"{total} samples in {args.profile}")
    print_top("Leaf frames (self time), by function:", leaves, total, args.top)
    print_top("Our functions, inclusive (time spent under them):", ours, total, args.top)
    print_top("Packages of the leaf frame:", packages, total, args.top)


if __name__ == "__main__":
    main()
