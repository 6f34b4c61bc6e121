"""Problem wall benchmark (issue 4). Prints figures; asserts nothing about time.

    .venv/bin/python benchmarks/wall.py [--items 20000] [--requests 50]

Uses HUIZHI_DATABASE_URL when set, otherwise a fresh SQLite file in the temporary folder. Loads the
demo street, adds N wall posts to 花园街社区 with bulk inserts (volume only) — three in four open,
waiting or being handled as cases, the rest answered — then measures, anonymously as the public
reads them: the wall page, page 50 of it, a filtered wall page and the echo wall: median and p95
render time over R requests, and the queries per request.
"""

import argparse
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import analyze, setup_django, time_page  # noqa: E402


def seed_posts(count: int) -> str:
    from django.utils import timezone

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case, Category
    from huizhi.cases.states import Source, Status
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.site.demo import load_demo
    from huizhi.wall.models import Post, Response, Stage

    load_demo()
    rng = random.Random(4)
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区")
    compounds = list(Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent=community))
    categories = list(Category.objects.filter(parent__isnull=False))
    authors = list(User.objects.all()[:20])
    now = timezone.now()
    posts, cases = [], []
    for i in range(count):
        compound, category = rng.choice(compounds), rng.choice(categories)
        published = now - timedelta(minutes=rng.randint(10, 60 * 24 * 365))
        roll = rng.random()
        stage = Stage.OPEN if roll < 0.45 else Stage.CASE if roll < 0.75 else Stage.ANSWERED
        post = Post(
            community=community,
            place=compound,
            place_code=compound.code,
            lon=compound.lon,
            lat=compound.lat,
            category=category,
            title=f"基准问题 {i}",
            description="小区里的一个问题，需要社区处理。" * 3,
            author=rng.choice(authors),
            stage=stage,
            fingerprint=f"{i:064d}",
            photos_public=True,
            supports_count=rng.randint(0, 30),
            created_at=published,
            published_at=published,
            answered_at=published + timedelta(days=2) if stage == Stage.ANSWERED else None,
        )
        if stage == Stage.CASE:
            status = Status.CLOSED if rng.random() < 0.4 else Status.DISPATCHED
            cases.append(
                Case(
                    title=post.title,
                    description=post.description,
                    source=Source.WALL,
                    category=category,
                    status=status,
                    place=compound,
                    place_code=compound.code,
                    community=community,
                    created_at=published,
                    closed_at=published + timedelta(days=1) if status == Status.CLOSED else None,
                )
            )
            post.case = cases[-1]
        posts.append(post)
    Case.objects.bulk_create(cases, batch_size=2000)
    for post in posts:
        if post.case is not None:
            post.case_id = post.case.pk
    Post.objects.bulk_create(posts, batch_size=2000)
    staff = User.objects.get(username="huayuan_staff")
    answered = Post.objects.filter(community=community, stage=Stage.ANSWERED, title__startswith="基准")
    Response.objects.bulk_create(
        [
            Response(post_id=pk, responder="community", name=community.name, text="已答复。", author=staff)
            for pk in answered.values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    analyze()
    return community.code


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    url = setup_django("huizhi-bench-wall.sqlite3", os.environ.get("HUIZHI_DATABASE_URL"))

    from django.test import Client
    from django.test.utils import setup_test_environment

    from huizhi.wall.models import Post

    setup_test_environment()
    code = seed_posts(args.items)
    print(f"database: {url.split('@')[-1]}")
    print(f"wall posts in 花园街社区: {Post.objects.filter(community__code=code).count():,}")
    client = Client()
    pages = [
        ("wall, page 1", f"/wall/{code}/"),
        ("wall, page 50", f"/wall/{code}/?page=50"),
        ("wall, one category", f"/wall/{code}/?category=06"),
        ("echo wall, page 1", f"/wall/{code}/echo/"),
    ]
    print(f"{'page':<22}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for label, path in pages:
        median, p95, queries = time_page(client, path, args.requests)
        print(f"{label:<22}{median * 1000:>10.1f}{p95 * 1000:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()
