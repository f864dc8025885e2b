#!/usr/bin/env python3
"""Checks a built gazette site's feeds and sitemaps against their schemas,
with validators that are not gazette's own: jsonschema for the JSON Feed
1.1 schema, xmlschema (an XSD 1.0 validator) for the sitemaps.org sitemap
and sitemap index schemas and the Google News sitemap schema.

  check_schemas.py OUTPUT_DIR

The schemas are in tests/tools/schemas/. A news sitemap that is absent is
fine (nothing is recent: an empty one would fail the schema) as long as
robots.txt does not name it; one that robots.txt names must exist and be
valid. Prints one line a file; exits 1 with every problem.
"""
import json
import pathlib
import sys

import jsonschema
import xmlschema

HERE = pathlib.Path(__file__).resolve().parent / "schemas"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def main(out):
    problems = []
    feed_schema = json.loads((HERE / "jsonfeed-1.1.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(
        feed_schema, format_checker=jsonschema.FormatChecker()
    )
    feeds = sorted(out.rglob("*.json"))
    feeds = [p for p in feeds if p.name == "feed.json"]
    for path in feeds:
        feed = json.loads(path.read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(feed), key=lambda e: list(e.path))
        problems += [f"{path}: {'/'.join(map(str, e.path))}: {e.message}" for e in errors]
        print(f"json feed 1.1\t{len(feed.get('items', []))} items\t{path}")

    urlset = xmlschema.XMLSchema(
        [str(HERE / "sitemap.xsd"), str(HERE / "sitemap-news.xsd")]
    )
    index = xmlschema.XMLSchema(str(HERE / "siteindex.xsd"))
    sitemaps = sorted(out.glob("sitemap*.xml")) + sorted(out.glob("news-sitemap.xml"))
    for path in sitemaps:
        root = xmlschema.XMLResource(str(path)).root
        schema = index if root.tag == f"{{{SITEMAP}}}sitemapindex" else urlset
        errors = list(schema.iter_errors(str(path)))
        problems += [f"{path}: {e.reason} at {e.path}" for e in errors]
        print(f"{root.tag.split('}')[1]}\t{len(root)} entries\t{path}")

    robots = (out / "robots.txt").read_text(encoding="utf-8")
    named = "news-sitemap.xml" in robots
    exists = (out / "news-sitemap.xml").exists()
    if named != exists:
        problems.append(
            f"robots.txt {'names' if named else 'does not name'} news-sitemap.xml, which {'exists' if exists else 'does not exist'}"
        )
    for problem in problems:
        print(f"PROBLEM {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
