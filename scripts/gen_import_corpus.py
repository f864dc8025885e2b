#!/usr/bin/env python3
"""Generate a deterministic archive to benchmark `gazette import` on.

  gen_import_corpus.py --posts 100000 --flavor wordpress --out /tmp/wp-100k.xml
  gen_import_corpus.py --posts 10000  --flavor jekyll    --out /tmp/jekyll-10k

wordpress: one WXR 1.2 export, shaped as WordPress writes them: authors and
  nested categories in the channel, then items (a photo attachment for every
  other post, a page every 50 posts, a nav menu item every 100), Gutenberg
  blocks, [caption] and [embed] shortcodes, a comment on every tenth post.
  About 10 KB of body per post, so 100,000 posts make a 1 GB file.
jekyll: _config.yml, _posts/YYYY-MM-DD-slug.md with categories, tags,
  redirect_from, post_url links, highlight blocks and includes.
(Hugo sites come from shared/bench/gen_corpus.py --flavor hugo.)

Only the Python standard library is used.
"""
import argparse
import datetime as dt
import os
import random
from xml.sax.saxutils import escape

WORDS = """the of and to in a is that for it as was with be by on not this are
from at which but have an they were there been one all their has would when
market shares company revenue profit quarter growth investors analysts electric
vehicle battery production factory partnership smartphone chips supply prices
consumers strategy billion million percent report announced expected trading
exchange government policy regulators economy inflation energy technology
software platform network data security startup funding merger acquisition
executive board chairman minister election court agreement trade tariffs
exports imports manufacturing logistics shipping retail sales demand forecast""".split()
CATEGORIES = [("business", ""), ("markets", "business"), ("autos", "business"),
              ("technology", ""), ("world", ""), ("politics", "world"),
              ("climate", ""), ("culture", ""), ("opinion", "")]
AUTHORS = [("mchan", "Mandy Chan"), ("dokafor", "David Okafor"),
           ("wzhang", "Wei Zhang"), ("psilva", "Priya Silva")]


def sentence(rng, lo=8, hi=20):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def paragraph(rng):
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def post_date(i, n):
    start = dt.datetime(2014, 1, 1, 8, 0)
    return start + dt.timedelta(minutes=int(i * (10 * 365 * 24 * 60) / max(n, 1)))


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wordpress(n, out):
    rng = random.Random(2021)
    base = "https://harbour.example"
    with open(out, "w", encoding="utf-8") as f:
        w = f.write
        w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
          'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
          'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
          'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n')
        w(f"<title>Harbour Business Daily</title>\n<link>{base}</link>\n"
          "<description>Business news</description>\n<language>en-US</language>\n"
          f"<wp:wxr_version>1.2</wp:wxr_version>\n<wp:base_site_url>{base}</wp:base_site_url>\n"
          f"<wp:base_blog_url>{base}</wp:base_blog_url>\n")
        for i, (login, name) in enumerate(AUTHORS):
            w(f"<wp:author><wp:author_id>{i + 1}</wp:author_id><wp:author_login>{cdata(login)}"
              f"</wp:author_login><wp:author_display_name>{cdata(name)}</wp:author_display_name></wp:author>\n")
        for i, (nice, parent) in enumerate(CATEGORIES):
            w(f"<wp:category><wp:term_id>{i + 2}</wp:term_id><wp:category_nicename>{cdata(nice)}"
              f"</wp:category_nicename><wp:category_parent>{cdata(parent)}</wp:category_parent>"
              f"<wp:cat_name>{cdata(nice.capitalize())}</wp:cat_name></wp:category>\n")
        next_id = 10
        for i in range(n):
            date = post_date(i, n)
            gmt = date - dt.timedelta(hours=8)
            slug = "-".join(rng.choice(WORDS) for _ in range(5)) + f"-{i}"
            title = sentence(rng, 5, 10)[:-1].replace(" and ", " &#8211; ", 1)
            post_id = next_id
            next_id += 2
            photo = i % 2 == 0
            ymd = date.strftime("%Y/%m/%d")
            ym = date.strftime("%Y/%m")
            if photo:
                w(f"<item><title>{cdata('Photo ' + str(i))}</title><link>{base}/{ymd}/{slug}/photo-{i}/</link>"
                  f"<dc:creator>{cdata('mchan')}</dc:creator><content:encoded>{cdata('')}</content:encoded>"
                  f"<excerpt:encoded>{cdata('A caption for photo ' + str(i))}</excerpt:encoded>"
                  f"<wp:post_id>{post_id + 1}</wp:post_id><wp:post_date>{cdata(date.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date>"
                  f"<wp:post_date_gmt>{cdata(gmt.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date_gmt>"
                  f"<wp:post_name>{cdata('photo-' + str(i))}</wp:post_name><wp:status>{cdata('inherit')}</wp:status>"
                  f"<wp:post_parent>{post_id}</wp:post_parent><wp:post_type>{cdata('attachment')}</wp:post_type>"
                  f"<wp:attachment_url>{cdata(f'{base}/wp-content/uploads/{ym}/photo-{i}.jpg')}</wp:attachment_url>"
                  "<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>"
                  f"<wp:meta_value>{cdata('Alt text ' + str(i))}</wp:meta_value></wp:postmeta></item>\n")
            blocks = []
            for p in range(rng.randint(14, 22)):
                blocks.append(f"<!-- wp:paragraph -->\n<p>{paragraph(rng)}</p>\n<!-- /wp:paragraph -->")
                if p == 1:
                    blocks.append("<!-- wp:more -->\n<!--more-->\n<!-- /wp:more -->")
                if p == 4:
                    blocks.append(f"<!-- wp:heading -->\n<h2>{sentence(rng, 3, 6)}</h2>\n<!-- /wp:heading -->")
                if p == 6 and photo:
                    blocks.append(f'[caption id="attachment_{post_id + 1}" width="640"]<img src="{base}/wp-content/uploads/{ym}/photo-{i}.jpg" alt="Alt" width="640" /> {sentence(rng, 4, 8)}[/caption]')
                if p == 8 and i % 5 == 0:
                    blocks.append("[embed]https://www.youtube.com/watch?v=w7Ejrw5kBu0[/embed]")
                if p == 10 and i > 0:
                    blocks.append(f'<!-- wp:paragraph -->\n<p>Read <a href="{base}/{post_date(i - 1, n).strftime("%Y/%m/%d")}/earlier/">our earlier story</a>.</p>\n<!-- /wp:paragraph -->')
            body = "\n\n".join(blocks)
            cats = rng.sample(CATEGORIES, 2)
            w(f"<item><title>{cdata(title)}</title><link>{base}/{ymd}/{slug}/</link>"
              f"<dc:creator>{cdata(AUTHORS[i % len(AUTHORS)][0])}</dc:creator>"
              f"<guid isPermaLink=\"false\">{base}/?p={post_id}</guid>"
              f"<content:encoded>{cdata(body)}</content:encoded><excerpt:encoded>{cdata('')}</excerpt:encoded>"
              f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{cdata(date.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date>"
              f"<wp:post_date_gmt>{cdata(gmt.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date_gmt>"
              f"<wp:post_name>{cdata(slug)}</wp:post_name><wp:status>{cdata('publish')}</wp:status>"
              f"<wp:post_parent>0</wp:post_parent><wp:post_type>{cdata('post')}</wp:post_type>")
            for nice, _ in cats:
                w(f'<category domain="category" nicename="{nice}">{cdata(nice.capitalize())}</category>')
            for t in rng.sample(WORDS, 3):
                w(f'<category domain="post_tag" nicename="{t}">{cdata(t)}</category>')
            if photo:
                w(f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{post_id + 1}</wp:meta_value></wp:postmeta>")
            if i % 10 == 0:
                w(f"<wp:comment><wp:comment_id>{i}</wp:comment_id><wp:comment_content>{cdata(sentence(rng))}</wp:comment_content></wp:comment>")
            w("</item>\n")
            if i % 50 == 0:
                w(f"<item><title>{cdata('Page ' + str(i))}</title><link>{base}/page-{i}/</link>"
                  f"<content:encoded>{cdata(paragraph(rng))}</content:encoded><wp:post_id>{next_id}</wp:post_id>"
                  f"<wp:post_date>{cdata(date.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date>"
                  f"<wp:post_date_gmt>{cdata(gmt.strftime('%Y-%m-%d %H:%M:%S'))}</wp:post_date_gmt>"
                  f"<wp:post_name>{cdata('page-' + str(i))}</wp:post_name><wp:status>{cdata('publish')}</wp:status>"
                  f"<wp:post_type>{cdata('page')}</wp:post_type></item>\n")
                next_id += 1
            if i % 100 == 0:
                w(f"<item><title>Menu {i}</title><wp:post_id>{next_id}</wp:post_id>"
                  f"<wp:status>publish</wp:status><wp:post_type>nav_menu_item</wp:post_type></item>\n")
                next_id += 1
        w("</channel>\n</rss>\n")


def jekyll(n, out):
    rng = random.Random(2021)
    os.makedirs(os.path.join(out, "_posts"), exist_ok=True)
    with open(os.path.join(out, "_config.yml"), "w") as f:
        f.write('title: Bay Area Magazine\nurl: "https://magazine.example"\n'
                "timezone: Asia/Hong_Kong\npermalink: /:categories/:year/:month/:day/:title:output_ext\n")
    names = []
    for i in range(n):
        date = post_date(i, n)
        slug = "-".join(rng.choice(WORDS) for _ in range(4)) + f"-{i}"
        name = f"{date:%Y-%m-%d}-{slug}"
        cats = " ".join(c for c, _ in rng.sample(CATEGORIES, 2))
        body = [paragraph(rng) for _ in range(rng.randint(8, 14))]
        body.insert(1, "<!--more-->")
        if names:
            body.insert(3, f"Read [the earlier story]({{% post_url {names[-1]} %}}).")
        if i % 7 == 0:
            body.insert(5, "{% highlight python %}\nprint('figures')\n{% endhighlight %}")
        if i % 11 == 0:
            body.append("{% include newsletter.html %}")
        front = (f"---\nlayout: post\ntitle: \"{sentence(rng, 5, 10)[:-1]}\"\n"
                 f"date: {date:%Y-%m-%d %H:%M:%S} +0800\ncategories: {cats}\n"
                 f"tags: [{', '.join(rng.sample(WORDS, 3))}]\nauthor: {AUTHORS[i % 4][1]}\n"
                 f"redirect_from:\n  - /old/{i}/\n---\n")
        with open(os.path.join(out, "_posts", name + ".md"), "w") as f:
            f.write(front + "\n\n".join(body) + "\n")
        names.append(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, required=True)
    parser.add_argument("--flavor", choices=["wordpress", "jekyll"], required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.flavor == "wordpress":
        wordpress(args.posts, args.out)
    else:
        jekyll(args.posts, args.out)


if __name__ == "__main__":
    main()
