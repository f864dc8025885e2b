#!/usr/bin/env python3
"""Reads the JSON-LD of a built gazette site with extruct, an independent
structured-data extractor, and checks what Google News and the Trust
Project ask of it.

  check_json_ld.py OUTPUT_DIR

Every article page (og:type article) must carry one NewsArticle-family
object (or a LiveBlogPosting, with its coverage start and its updates as
BlogPostings) with a headline, publication and modification dates, authors as
Person objects, an image and a NewsMediaOrganization publisher with an
@id; each correction must be a dated CorrectionComment with text. The
home page must describe the publisher (NewsMediaOrganization with a name,
url and logo) under the same @id. Prints one line a page, then a count of
each type seen.
"""
import collections
import pathlib
import sys

import extruct

ARTICLE_TYPES = {
    "NewsArticle", "OpinionNewsArticle", "AnalysisNewsArticle",
    "ReviewNewsArticle", "AdvertiserContentArticle", "Article",
    "LiveBlogPosting",
}


def json_ld(path, base):
    html = path.read_text(encoding="utf-8")
    data = extruct.extract(html, base_url=base, syntaxes=["json-ld"], uniform=True)
    return html, data["json-ld"]


def check_article(where, item, problems, seen):
    kind = item.get("@type")
    seen[kind] += 1
    if kind not in ARTICLE_TYPES:
        problems.append(f"{where}: @type {kind!r} is not an article type")
    for key in ("headline", "datePublished", "dateModified", "image", "mainEntityOfPage"):
        if not item.get(key):
            problems.append(f"{where}: no {key}")
    authors = item.get("author", [])
    if not authors or any(a.get("@type") != "Person" or not a.get("name") for a in authors):
        problems.append(f"{where}: authors must be named Person objects: {authors!r}")
    publisher = item.get("publisher", {})
    if publisher.get("@type") != "NewsMediaOrganization" or not publisher.get("@id"):
        problems.append(f"{where}: publisher is not a NewsMediaOrganization with an @id: {publisher!r}")
    if kind == "LiveBlogPosting":
        if not item.get("coverageStartTime"):
            problems.append(f"{where}: a live blog without coverageStartTime")
        updates = item.get("liveBlogUpdate", [])
        if not updates:
            problems.append(f"{where}: a live blog without liveBlogUpdate entries")
        for update in updates:
            seen["BlogPosting (live update)"] += 1
            if update.get("@type") != "BlogPosting" or not all(update.get(k) for k in ("headline", "datePublished", "url")):
                problems.append(f"{where}: live update without type, headline, date or url: {update!r}")
    for correction in item.get("correction", []):
        seen["CorrectionComment"] += 1
        if correction.get("@type") != "CorrectionComment" or not correction.get("text") or not correction.get("datePublished"):
            problems.append(f"{where}: correction without type, text or date: {correction!r}")
    return publisher.get("@id")


def main():
    out = pathlib.Path(sys.argv[1])
    base = sys.argv[2] if len(sys.argv) > 2 else "https://example.com/"
    problems, seen, publisher_ids = [], collections.Counter(), set()
    for path in sorted(out.glob("**/index.html")):
        html, items = json_ld(path, base)
        if 'property="og:type" content="article"' not in html:
            continue
        where = str(path.relative_to(out))
        if len(items) != 1:
            problems.append(f"{where}: {len(items)} JSON-LD objects, expected 1")
            continue
        publisher_ids.add(check_article(where, items[0], problems, seen))
        print(f"{items[0].get('@type')}\t{where}")
    _, home = json_ld(out / "index.html", base)
    orgs = [i for i in home if i.get("@type") == "NewsMediaOrganization"]
    if len(orgs) != 1:
        problems.append(f"index.html: {len(orgs)} NewsMediaOrganization objects, expected 1")
    else:
        org = orgs[0]
        seen["NewsMediaOrganization"] += 1
        for key in ("name", "url", "logo", "@id"):
            if not org.get(key):
                problems.append(f"index.html: publisher has no {key}")
        if publisher_ids - {org.get("@id")}:
            problems.append(f"articles name publishers {publisher_ids} but the home page describes {org.get('@id')}")
    for kind, count in sorted(seen.items()):
        print(f"seen\t{kind}\t{count}")
    for problem in problems:
        print("problem:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
