"""A synthetic news corpus of any size, with its own ground truth, to measure speed and accuracy together.

It lives in the package (not in tools/) because the benchmark, the tests and users sizing a machine all
need it, and it is built from the package's own inputs: place names and aliases from the gazetteer, actor
names from the actor lexicon, event wording matching the event lexicon. Around the place sentences go
distractors a reader must not map: organisations (some named after a place, "Raqqa Media Center"),
demonyms, people, numbers and dates. The truth is the set of gazetteer ids each article names as places.

    python -m geomap.synth 1000 corpus/ --gazetteer gazetteer.yaml   # writes corpus/*.md and corpus/truth.jsonl
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click

from geomap import lexicon
from geomap.gazetteer import Gazetteer
from geomap.gazetteer import load as load_gazetteer
from geomap.model import Extraction
from geomap.sentences import split
from geomap.textnorm import fold, name_keys

TRUTH = "truth.jsonl"
ORGS = ("Syrian Observatory for Human Rights", "United Nations", "International Committee of the Red Cross",
        "Amnesty International", "Human Rights Watch", "World Food Programme", "Norwegian Refugee Council",
        "Médecins Sans Frontières", "Institute for the Study of War", "Airwars monitoring group")
OUTLETS = ("Tigris Wire", "Levant Monitor", "Euphrates Daily", "Frontline Dispatch", "Desert Post")
DEMONYMS = ("Iraqi", "Syrian", "Turkish", "Kurdish", "Iranian", "American", "Russian", "British", "French")
FIRST_NAMES = ("Ahmed", "Ryan", "Rami", "Ali", "Fatima", "Yahya", "Mariam", "Omar", "Layla", "Karim", "Nour",
               "Hassan", "Dilan", "Sara", "Mustafa", "Zainab", "Tariq", "Hana", "Jamal", "Rania")
LAST_NAMES = ("Hassan", "Dillon", "Abdulrahman", "Hamid", "Khalil", "Rasool", "Saleh", "Faisal", "Aziz", "Rashid",
              "Haddad", "Mansour", "Nasser", "Younis", "Qasim", "Darwish", "Othman", "Salim", "Karam", "Jaber")
TITLES = ("", "", "Colonel ", "General ", "Sheikh ", "Dr ", "Brigadier ")
# Sentences as long as news sentences are (about 21 words in the seed and gold corpora), and as few of them
# claiming an event at a place as news has (``PLACE_SHARE``).
PLACE_SENTENCES = (
    "{actor} launched an offensive on {P} on {date}, the {org} said in a statement, adding that fighting was "
    "continuing on several fronts.",
    "At least {n} people were killed in an air strike near {P}, according to the {org}, which relies on a network "
    "of local activists.",
    "{demonym} officials said {actor} had recaptured {P} after {n} days of fighting, although the claim could not "
    "be independently verified.",
    "Residents who fled {P} in recent weeks described heavy shelling of the old market and said food and water "
    "were running short.",
    "The {org} reported clashes between {actor} and {actor2} on the outskirts of {P}, the heaviest fighting in the "
    "area since {month}.",
    "A car bomb exploded near a checkpoint in {P} on {date}, killing {n} civilians and wounding dozens more, a "
    "hospital official said.",
    "{actor} withdrew from {P} towards {P2} overnight, leaving behind mines that engineers expect to take weeks "
    "to clear.",
    "{n} families were displaced from villages around {P} in the past week, aid workers said, many of them for the "
    "second time.",
    "Fighters remain holed up in the town of {P}, {person} told reporters, and have refused repeated offers of "
    "safe passage.",
    "Mortar rounds hit a school in {P} and a clinic in {P2} on {date}, the {org} said, blaming {actor} for the "
    "attack.",
)
# Places named as background, where nothing is said to happen: news names more places than it places events at.
BACKGROUND_SENTENCES = (
    "{P} lies about {n} kilometres from the border and was home to a large livestock market before the war.",
    "The road from {P} to {P2} remains the main route for trucks carrying flour and medicine into the province.",
    "Before the war, {P} was known for its orchards and its old stone bridge, {person} recalled.",
    "Many of those now in {P} came from {P2}, and most say they will not go home until the roads are safe.",
    "The {demonym} army has kept a garrison outside {P} since {year}, a few hours' drive from {P2}.",
)
FILLER_SENTENCES = (
    "{person}, a spokesman for the {org}, said the situation remained tense and that talks on a ceasefire had "
    "stalled.",
    "The {demonym} ministry said {n} recruits had finished training since {month} {year}, part of a plan to "
    "rebuild the army.",
    "Prices of bread and fuel rose by {n} percent in {month}, traders said, as supply routes were cut for much of "
    "the winter.",
    "The statement, issued on {date}, could not be independently verified, and officials did not respond to "
    "requests for comment.",
    "The {org} has published regular reports on the conflict since {year}, drawing on interviews with witnesses "
    "and officials.",
    "{person} said {n} aid convoys were waiting for permission to move, and warned that stocks of medicine would "
    "soon run out.",
    "Officials from the {placeorg} declined to comment on the figures when contacted by telephone on {date}.",
    "{demonym} and {demonym2} diplomats are due to meet again in {month} to discuss a broader agreement on the "
    "region.",
    "About {n} percent of the wounded were women and children, the {org} estimated in a report released this "
    "week.",
    "Analysts say the fight could last until the end of {year} or longer, depending on how much support the "
    "coalition provides.",
    "“We have nothing left here,” said {person}, whose family has moved three times since the fighting "
    "began.",
)
# Shares of sentences that claim an event at a place, and that name a place as background; the rest are
# filler. Set so that a synthetic article carries as many claims and place mentions per 800 words as the seed
# and gold corpora do (``make bench`` prints both).
PLACE_SHARE, BACKGROUND_SHARE = 0.22, 0.22


@dataclass(frozen=True)
class Truth:
    id: str  # the article id geomap gives the file
    file: str
    places: tuple[str, ...]  # gazetteer ids named as places, in order of first mention
    words: int


def _pool(gazetteer: Gazetteer) -> list[tuple[str, str]]:
    """(name, place id) for names that can only mean one gazetteer place and are not English words."""
    from geomap.recognize import common_words

    words = common_words()
    out = []
    for pid, entry in sorted(gazetteer.entries.items()):
        for name in (entry.place.name, *entry.aliases):
            keys = name_keys(name)
            if (len(name) >= 4 and name[0].isupper() and all(gazetteer.names.get(k) == [pid] for k in keys)
                    and fold(name) not in words and not name.isupper()):
                out.append((name, pid))
    return out


def _actor_names() -> list[str]:
    """Actor names as the actor lexicon spells them (no wildcards)."""
    table = lexicon.read_terms(lexicon.packaged("actors.yaml"), "actors")
    return sorted({t for terms in table.values() for t in terms if "*" not in t})


def article(n: int, rng: random.Random, pool: list[tuple[str, str]], actors: list[str]) -> tuple[str, str, list[str]]:
    """(title, body, place ids named) of article ``n``: a story about a few places, ~800 words."""
    story = rng.sample(pool, k=min(len(pool), rng.randint(2, 6)))
    day = date(2016, 1, 1) + timedelta(days=rng.randrange(730))
    named: list[str] = []

    def fill(template: str) -> str:
        values = {
            "actor": rng.choice(actors), "actor2": rng.choice(actors), "org": rng.choice(ORGS),
            "n": f"{rng.choice((rng.randint(2, 99), rng.randint(100, 5000))):,}", "demonym": rng.choice(DEMONYMS),
            "demonym2": rng.choice(DEMONYMS), "month": day.strftime("%B"), "year": str(day.year),
            "person": rng.choice(TITLES) + rng.choice(FIRST_NAMES) + " " + rng.choice(LAST_NAMES),
            "date": (day - timedelta(days=rng.randrange(30))).strftime("%-d %B"),
            "placeorg": rng.choice(pool)[0] + rng.choice((" Media Center", " Civil Council", " University")),
        }
        left = list(story)
        for slot in ("P", "P2"):
            if "{" + slot + "}" in template:
                name, pid = rng.choice(left)
                left = [s for s in left if s[1] != pid] or left
                values[slot] = name
                if pid not in named:
                    named.append(pid)
        text = template.format(**values)
        return text[0].upper() + text[1:]

    target = rng.randint(700, 900)
    paragraphs: list[str] = []
    words = 0
    while words < target:
        sentences = [fill(rng.choice(_templates(rng.random()))) for _ in range(rng.randint(1, 3))]
        paragraphs.append(" ".join(sentences))
        words += sum(len(s.split()) for s in sentences)
    title = fill(f"{{actor}} fight for {story[0][0]} enters day {{n}}")
    if story[0][1] not in named:
        named.insert(0, story[0][1])
    return title, "\n\n".join(paragraphs), named


def _templates(draw: float) -> tuple[str, ...]:
    """The templates a sentence is drawn from, for a uniform ``draw`` in [0, 1)."""
    if draw < PLACE_SHARE:
        return PLACE_SENTENCES
    return BACKGROUND_SENTENCES if draw < PLACE_SHARE + BACKGROUND_SHARE else FILLER_SENTENCES


def density(extractions: list[Extraction]) -> dict[str, float]:
    """Sentences, located place mentions and claims per 800 words of read articles: what the per-article stage's
    cost follows, and what ``PLACE_SHARE`` and ``BACKGROUND_SHARE`` are set by against real articles."""
    words = sum(len(x.article.text.split()) for x in extractions) / 800
    return {"sentences_800": sum(len(split(x.article.text)) for x in extractions) / words,
            "places_800": sum(1 for x in extractions for m in x.mentions if m.place) / words,
            "claims_800": sum(len(x.claims) for x in extractions) / words}


def write_corpus(n: int, folder: Path, gazetteer: Gazetteer, seed: int = 0) -> list[Truth]:
    """Write ``n`` articles (``synth-000001.md``...) and ``truth.jsonl`` into ``folder``; same seed, same bytes."""
    rng = random.Random(seed)
    pool, actors = _pool(gazetteer), _actor_names()
    folder.mkdir(parents=True, exist_ok=True)
    truths = []
    for i in range(1, n + 1):
        title, body, ids = article(i, rng, pool, actors)
        name = f"synth-{i:06d}.md"
        published = date(2016, 1, 1) + timedelta(days=rng.randrange(730))
        text = (f'---\ntitle: "{title}"\noutlet: {rng.choice(OUTLETS)}\npublished: {published.isoformat()}\n---\n'
                f"# {title}\n\n{body}\n")
        (folder / name).write_text(text, encoding="utf-8")
        truths.append(Truth(f"synth-{i:06d}", name, tuple(ids), len(body.split())))
    (folder / TRUTH).write_text("".join(json.dumps(t.__dict__) + "\n" for t in truths), encoding="utf-8")
    return truths


@click.command()
@click.argument("n", type=click.IntRange(min=1))
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--gazetteer", "gazetteer_path", type=click.Path(path_type=Path), default="gazetteer.yaml",
              show_default=True, help="Where place names come from.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same corpus.")
def main(n: int, folder: Path, gazetteer_path: Path, seed: int) -> None:
    """Write N synthetic articles and their ground truth (truth.jsonl) into FOLDER."""
    truths = write_corpus(n, folder, load_gazetteer(gazetteer_path), seed)
    click.echo(f"{folder}: {len(truths)} articles, {sum(t.words for t in truths):,} words, truth in {folder / TRUTH}")


if __name__ == "__main__":
    main()
