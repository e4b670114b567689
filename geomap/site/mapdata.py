"""What the map's JavaScript receives: places, claims, the legend and the region choropleth, as plain JSON data.

Claims are compact rows (outlet, event, day, how many claims), column by column, so the page grows with the
variety of claims, not their number; names reach the page only through templates (escaped), the script works with indexes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from geomap.site.views import EVENT_COLOURS, PlaceView, RegionView, claim_date, outlet_of

# Claims per region -> fill colour (ColorBrewer YlOrRd), lower bounds of each class.
CHOROPLETH = ((1, "#ffffb2"), (3, "#fecc5c"), (10, "#fd8d3c"), (30, "#f03b20"), (100, "#bd0026"), (300, "#800026"))
TIMELINE_MONTHS = 48  # longer spans are drawn per year


@dataclass(frozen=True)
class Legend:
    """What the filter panel lists: outlets and events with their claim counts, the timeline, region classes."""

    outlets: list[tuple[str, int]]
    events: list[tuple[str, str, int]]  # name, colour, claims
    dates: tuple[str, str] | None  # first and last claim date
    timeline: list[tuple[str, int]]  # (month or year, claims)
    classes: list[tuple[str, str]]  # (label, colour) of the region choropleth
    places: list[str]  # names offered by the search box


def fill_colour(claims: int) -> str:
    colour = CHOROPLETH[0][1]
    for lower, c in CHOROPLETH:
        if claims >= lower:
            colour = c
    return colour


def choropleth_classes(most: int) -> list[tuple[str, str]]:
    out = []
    for n, (lower, colour) in enumerate(CHOROPLETH):
        if lower > most:
            break
        upper = CHOROPLETH[n + 1][0] - 1 if n + 1 < len(CHOROPLETH) else None
        label = f"{lower}+" if upper is None else (str(lower) if upper == lower else f"{lower}–{upper}")
        out.append((label, colour))
    return out


def map_data(views: list[PlaceView]) -> tuple[dict, dict[str, list[int]]]:
    """Places (each with the range of its rows), the claim rows, outlet and event lists; and for each place the row
    of each of its claims, counted from the place's first row, in the order popups list them.

    A row counts a place's claims of one outlet, event and date, which is all the filters tell apart, so the page
    grows with the variety of claims, not their number. Rows are stored column by column (``rows``: outlet, event,
    day, count), a day as the number of days after ``day0`` (null when undated): a few bytes a row.
    """
    outlets = sorted({o for v in views for o in v.outlets})
    events = event_order({cv.claim.event for v in views for cv in v.claims})
    outlet_n = {o: n for n, o in enumerate(outlets)}
    event_n = {e: n for n, e in enumerate(events)}
    places: list[dict] = []
    keys: list[tuple[int, int, int | None]] = []
    counts: list[int] = []
    rows_of: dict[str, list[int]] = {}
    for v in views:
        p = v.place
        first, row_of, rows = len(keys), {}, []
        for cv in v.claims:
            key = (outlet_n[outlet_of(cv.article)], event_n[cv.claim.event], epoch_day(claim_date(cv.article, cv.claim)))
            if key not in row_of:
                row_of[key] = len(keys) - first
                keys.append(key)
                counts.append(0)
            counts[first + row_of[key]] += 1
            rows.append(row_of[key])
        rows_of[p.id] = rows
        record = {"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "shape": p.geometry,
                  "claims": [first, len(keys)]}
        if p.geometry != "point":
            record["coords"] = [list(c) for c in p.coords]
        places.append(record)
    day0 = min((k[2] for k in keys if k[2] is not None), default=0)
    rows = {"outlet": [k[0] for k in keys], "event": [k[1] for k in keys],
            "day": [None if k[2] is None else k[2] - day0 for k in keys], "count": counts}
    return {"places": places, "rows": rows, "day0": day0, "outlets": outlets,
            "events": [{"name": e, "colour": EVENT_COLOURS.get(e, EVENT_COLOURS["other"])} for e in events]}, rows_of


_EPOCH = date(1970, 1, 1).toordinal()


def epoch_day(when: str | None) -> int | None:
    """An ISO date as days since 1970-01-01, as JavaScript counts them (``Date.parse(d) / 86400000``)."""
    if not when:
        return None
    try:
        return date.fromisoformat(when[:10]).toordinal() - _EPOCH
    except ValueError:
        return None


def legend(views: list[PlaceView], regions: list[RegionView]) -> Legend:
    outlets: dict[str, int] = {}
    events: dict[str, int] = {}
    dates: list[str] = []
    for v in views:
        for cv in v.claims:
            outlets[outlet_of(cv.article)] = outlets.get(outlet_of(cv.article), 0) + 1
            events[cv.claim.event] = events.get(cv.claim.event, 0) + 1
            d = claim_date(cv.article, cv.claim)
            if d:
                dates.append(d)
    return Legend(
        outlets=sorted(outlets.items()),
        events=[(e, EVENT_COLOURS.get(e, EVENT_COLOURS["other"]), events[e]) for e in event_order(set(events))],
        dates=(min(dates), max(dates)) if dates else None,
        timeline=timeline(dates),
        classes=choropleth_classes(max((r.claim_count for r in regions), default=0)),
        places=sorted({v.place.name for v in views}),
    )


def event_order(events: set[str]) -> list[str]:
    """Events in legend order: the colour table's order, unknown ones last."""
    return [e for e in EVENT_COLOURS if e in events] + sorted(events - EVENT_COLOURS.keys())


def bucket_range(bucket: str) -> tuple[str, str]:
    """First and last day of a timeline bucket ("2017" or "2017-10"), for the date inputs."""
    if len(bucket) == 4:
        return f"{bucket}-01-01", f"{bucket}-12-31"
    year, month = int(bucket[:4]), int(bucket[5:7])
    return f"{bucket}-01", f"{bucket}-{calendar.monthrange(year, month)[1]:02d}"


def timeline(dates: list[str]) -> list[tuple[str, int]]:
    """Claims per month from the first to the last date (per year over long spans), empty buckets included."""
    if not dates:
        return []
    first, last = min(dates), max(dates)
    y0, m0, y1, m1 = int(first[:4]), int(first[5:7]), int(last[:4]), int(last[5:7])
    if (y1 - y0) * 12 + m1 - m0 >= TIMELINE_MONTHS:
        buckets = {str(y): 0 for y in range(y0, y1 + 1)}
        key_len = 4
    else:
        buckets = {}
        y, m = y0, m0
        while (y, m) <= (y1, m1):
            buckets[f"{y:04d}-{m:02d}"] = 0
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        key_len = 7
    for d in dates:
        buckets[d[:key_len]] += 1
    return list(buckets.items())


def regions_geojson(regions: list[RegionView]) -> dict:
    """Admin-1 regions with claims, coloured by their number of claims."""
    features = [{"type": "Feature", "geometry": r.geometry,
                 "properties": {"id": r.id, "name": r.name, "claims": r.claim_count, "fill": fill_colour(r.claim_count)}}
                for r in regions if r.geometry is not None and r.claim_count]
    return {"type": "FeatureCollection", "features": features}
