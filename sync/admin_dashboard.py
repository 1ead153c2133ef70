"""The operations dashboard page in the admin (staff): the figures of sync/services/dashboard.py, with
its charts drawn here as inline SVG on the server. Why SVG and not a chart library: the page must work on
an intranet with no CDN, a vendored library would be 200 kB of JavaScript to keep up to date for a few
bar charts, and server-drawn SVG needs no script at all (and prints, and screenshots, as it is)."""

from urllib.parse import quote

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sync.models import DataDomain, FileStatus
from sync.services.dashboard import HOURS_SHORT, dashboard_figures

CHART_W, CHART_H, CHART_PAD = 720, 120, 4
BAND_LABELS = {"high": gettext_lazy("high"), "normal": gettext_lazy("normal"), "low": gettext_lazy("low")}


def operations_dashboard(request):
    figures = dashboard_figures(use_cache=request.GET.get("fresh") != "1")
    hourly = figures["hourly"]
    day = hourly[-HOURS_SHORT:]
    context = {
        "title": _("Operations dashboard"),
        "figures": figures,
        "bands": [{**band, "label": BAND_LABELS[band["band"]]} for band in figures["bands"]],
        "charts_day": _charts(day, hour_format="H:00"),
        "charts_week": _charts(hourly, hour_format="m-d H:00"),
        "totals_day": _totals(day),
        "totals_week": _totals(hourly),
        "slowest_files": [{**f, "status": _label(FileStatus, f["status"]),
                           "data_domain": _label(DataDomain, f["data_domain"])} for f in figures["slowest_files"]],
        "heatmap": heatmap_table(figures["heatmap"]),
        "tasks_url": reverse("admin:sync_syncprogresstask_changelist"),
        "files_url": reverse("admin:sync_catalogfile_changelist"),
    }
    return TemplateResponse(request, "admin/sync/dashboard.html", {**admin.site.each_context(request), **context})


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


def _totals(hours: list[dict]) -> dict:
    read = sum(h["read"] for h in hours)
    quarantined = sum(h["quarantined"] for h in hours)
    return {"files": sum(h["files"] for h in hours), "rows": sum(h["rows"] for h in hours),
            "failed_files": sum(h["failed_files"] for h in hours), "quarantined": quarantined,
            "quarantine_rate": f"{quarantined / read if read else 0.0:.1%}"}


def _charts(hours: list[dict], *, hour_format: str) -> list[dict]:
    labels = [date_format(timezone.localtime(h["hour"]), hour_format) for h in hours]
    series = (
        (_("Files synced per hour"), "files", "#2a6ebb", "{:,.0f}"),
        (_("Rows ingested per hour"), "rows", "#2e7d32", "{:,.0f}"),
        (_("Failed files per hour"), "failed_files", "#c62828", "{:,.0f}"),
        (_("Quarantine rate per hour"), "quarantine_rate", "#ef6c00", "{:.1%}"),
    )
    return [{"title": title, "svg": bar_chart([h[key] for h in hours], labels, colour=colour, fmt=fmt, title=title)}
            for title, key, colour, fmt in series]


def bar_chart(values: list[float], labels: list[str], *, colour: str, fmt: str, title: str):
    """One bar per value, scaled to the largest; each bar's tooltip names its hour and value. Written with
    plain string formatting: 4 charts of 168 bars through format_html cost more than the figures' queries."""
    top = max(values, default=0) or 1
    step = CHART_W / max(len(values), 1)
    width = f"{max(step - 1, 1):.1f}"
    bars = []
    for i, (value, label) in enumerate(zip(values, labels)):
        height = value / top * (CHART_H - CHART_PAD)
        bars.append(f'<rect x="{i * step:.1f}" y="{CHART_H - height:.1f}" width="{width}" height="{height:.1f}" '
                    f'fill="{colour}"><title>{escape(label)}: {fmt.format(value)}</title></rect>')
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" preserveAspectRatio="none" '
        'width="100%" height="{}"><line x1="0" y1="{}" x2="{}" y2="{}" stroke="#999"/>{}</svg>'
        '<div class="chart-axis"><span>{}</span><span>{} {}</span><span>{}</span></div>',
        title, CHART_W, CHART_H, CHART_H, CHART_H, CHART_W, CHART_H, mark_safe("".join(bars)),  # noqa: S308 - numbers and escaped labels
        labels[0] if labels else "", _("max"), fmt.format(max(values, default=0)), labels[-1] if labels else "")


def heatmap_table(heatmap: dict) -> str:
    """The heatmap as one table, written in Python for the same reason as the charts (50 shops x 14 days
    is 700 cells). A cell links to its quality records; its small link to the files of that date."""
    quality_url = reverse("admin:sync_dataqualityrecord_changelist")
    files_url = reverse("admin:sync_catalogfile_changelist")
    dates = [d.isoformat() for d in heatmap["dates"]]
    head = "".join(f"<th>{d[5:]}</th>" for d in dates)
    files_label, no_missing = escape(_("files")), _("no missing fields")
    rows = []
    for row in heatmap["rows"]:
        place = "platform_code=" + quote(row["platform_code"]) + "&amp;shop_id=" + quote(row["shop_id"])
        cells = []
        for day, cell in zip(dates, row["cells"]):
            if cell is None:
                cells.append('<td class="cell empty"></td>')
                continue
            hover = "\n".join([_("%(date)s: score %(score).1f, %(rows)d rows") % {
                "date": day, "score": cell["score"], "rows": cell["rows"] or 0}, *(cell["missing"] or [no_missing])])
            cells.append(
                f'<td class="cell" style="background:{_score_colour(cell["score"])}" title="{escape(hover)}">'
                f'<a href="{quality_url}?{place}&amp;business_date={day}">{cell["score"]:.0f}</a>'
                f'<a class="files" href="{files_url}?{place}&amp;period_start__lte={day}&amp;period_end__gte={day}">'
                f'{files_label}</a></td>')
        rows.append(f"<tr><td>{escape(row['platform_code'])}</td><td>{escape(row['shop_id'])}</td>{''.join(cells)}</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{len(dates) + 2}">{escape(_("No quality records in these days."))}</td></tr>')
    return mark_safe(  # noqa: S308 - every value above is a number, a date or escaped
        f'<table id="heatmap" class="heatmap"><thead><tr><th>{escape(_("platform"))}</th><th>{escape(_("shop"))}</th>'
        f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _score_colour(score: float) -> str:
    """Green at 100, through amber, to red at 80 and below."""
    if score >= 99.5:
        return "#2e7d32"
    if score >= 95:
        return "#9ccc65"
    if score >= 90:
        return "#fbc02d"
    if score >= 80:
        return "#ef6c00"
    return "#c62828"
