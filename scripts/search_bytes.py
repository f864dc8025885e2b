#!/usr/bin/env python3
"""Bytes the search page fetches for a query, on a built site.

    scripts/search_bytes.py PUBLIC_DIR WORD [WORD...]

Follows what assets/gazette-search.js does for a one-word query typed into
/search/: meta.json, then the words files that hold words starting with the
word, then the articles files of the first page of results (20). Prints the
index's total size and, per query, the files and bytes fetched. Queries are
lower-case ASCII words here (the page folds case and accents itself).
"""
import json
import os
import sys

DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
DIGIT = {c: i for i, c in enumerate(DIGITS)}
PAGE = 20


def decode(text):
    found, ident, value, shift = {}, -1, 0, 0
    for ch in text:
        d = DIGIT[ch]
        value += (d & 31) << shift
        if d & 32:
            shift += 5
            continue
        ident += value >> 1
        found[ident] = bool(value & 1) or found.get(ident, False)
        value, shift = 0, 0
    return found


def main():
    public, queries = sys.argv[1], sys.argv[2:]
    base = os.path.join(public, "search-index")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(base) for f in fs)
    count = sum(len(fs) for _, _, fs in os.walk(base))
    whole = os.path.join(public, "search-index.json")
    print(f"split index: {count} files, {total / 1e6:.1f} MB")
    if os.path.exists(whole):
        print(f"whole index (/search-index.json): {os.path.getsize(whole) / 1e6:.1f} MB")
    meta_path = os.path.join(base, "meta.json")
    meta = json.load(open(meta_path))
    for query in queries:
        fetched = [meta_path]
        words = meta["words"]
        k = 0
        while k + 1 < len(words) and words[k + 1][0].encode("utf-16-be") <= query.encode("utf-16-be"):
            k += 1
        hits = {}
        first = True
        while k < len(words) and (first or words[k][0].startswith(query)):
            path = os.path.join(base, words[k][1])
            fetched.append(path)
            for word, postings in json.load(open(path)).items():
                if word.startswith(query):
                    for ident, title in decode(postings).items():
                        hits[ident] = title or hits.get(ident, False)
            first, k = False, k + 1
        ranked = sorted(hits.items(), key=lambda h: (-(3 if h[1] else 1), -h[0]))[:PAGE]
        docs = {ident // meta["docs_per_file"] for ident, _ in ranked}
        fetched += [os.path.join(base, "d", f"{n}.json") for n in sorted(docs)]
        size = sum(os.path.getsize(p) for p in fetched)
        print(f"{query!r}: {len(hits)} articles; {len(fetched)} files, {size / 1024:.0f} KB fetched")


if __name__ == "__main__":
    main()
