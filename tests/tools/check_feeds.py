#!/usr/bin/env python3
"""Reads every feed of a built gazette site with feedparser, the parser many
feed readers are built on, and fails on anything it complains about.

  check_feeds.py OUTPUT_DIR

Checks each RSS, Atom and JSON feed: it parses without the `bozo` flag
(feedparser's "this feed is broken"), has a title and link, and every entry
has an id, a link, a title and a publication date. Prints one line a feed.
"""
import json
import pathlib
import sys

import feedparser


def check(path, problems):
    feed = feedparser.parse(path.read_bytes())
    where = str(path)
    if feed.bozo:
        problems.append(f"{where}: {feed.bozo_exception}")
        return
    if not feed.feed.get("title") or not feed.feed.get("link"):
        problems.append(f"{where}: feed has no title or link")
    for entry in feed.entries:
        for key in ("id", "link", "title", "published_parsed"):
            if not entry.get(key):
                problems.append(f"{where}: entry {entry.get('link')} has no {key}")
    print(f"{feed.version or 'unknown'}\t{len(feed.entries)} entries\t{where}")


def check_json_feed(path, problems):
    feed = json.loads(path.read_text(encoding="utf-8"))
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"{path}: version is {feed.get('version')!r}")
    if not isinstance(feed.get("title"), str) or not isinstance(feed.get("items"), list):
        problems.append(f"{path}: title and items are required")
    for item in feed.get("items", []):
        if not isinstance(item.get("id"), str):
            problems.append(f"{path}: item without a string id")
        if not isinstance(item.get("content_html"), str) and not isinstance(item.get("content_text"), str):
            problems.append(f"{path}: item {item.get('id')} has no content_html or content_text")
        tags = item.get("tags", [])
        if len(tags) != len(set(tags)):
            problems.append(f"{path}: item {item.get('id')} repeats a tag: {tags} (the schema requires unique items)")
    print(f"json1.1\t{len(feed.get('items', []))} entries\t{path}")


def main():
    out = pathlib.Path(sys.argv[1])
    problems = []
    feeds = sorted(out.glob("**/feed.xml")) + [out / "atom.xml"]
    for path in feeds:
        check(path, problems)
    check_json_feed(out / "feed.json", problems)
    for problem in problems:
        print("problem:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
