"""The book's gradient check (5.7.3) as Rich: a row per trained param with
the mean |backprop − numerical| over every entry as the book computes and
prints it (``W1:1.80e-06`` and so on, no verdict), then the adjusted mean
(the loss backprop differentiates, the entries whose ±h nudge crosses a
Relu kink left out: counted, and said why) with our verdict, then what each
side took and their ratio. Shown by
--check after its table (tui/reports/check.py) and by the c dialog once its
worker is done."""

from __future__ import annotations

import math

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from backprop_engine.gradcheck import ADJUSTED_LIMIT, BookCheck, BookParam

from .gradcheck_table import verdict


def duration(seconds: float) -> str:
    """A time as people say it: "1.3 s", "240 ms", "4.2 ms", "0.065 ms"."""
    if seconds >= 1:
        return f"{seconds:.1f} s"
    ms = seconds * 1000
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2g} ms"


def rounded(ratio: float) -> str:
    """A ratio to two significant digits, with thousands separators: "3,700"."""
    if not math.isfinite(ratio):
        return "∞"
    if ratio < 10:
        return f"{ratio:.1f}"
    return f"{round(ratio, 1 - math.floor(math.log10(ratio))):,.0f}"


def book_title(tr, samples: int) -> Text:
    return Text(tr("The book's gradient check (5.7.3): the numerical gradient of every entry against "
                   "backprop, on the first {n} samples of the batch", n=samples), style="bold")


def timing_line(result: BookCheck, tr) -> str:
    """"numerical: 1.3 s for 3,760 parameters; backprop: 0.2 ms; 6,000× faster"."""
    return tr("numerical: {numeric} for {n} parameters; backprop: {backprop}; {ratio}× faster",
              numeric=duration(result.numeric_seconds), n=f"{result.entries:,}",
              backprop=duration(result.backprop_seconds), ratio=rounded(result.ratio))


def _mean(p: BookParam) -> str:
    return f"{p.mean_diff:.2e}" if p.judged else "—"


def _result(p: BookParam, tr) -> Text:
    return verdict(p.ok, tr) if p.judged else Text(tr("no verdict"), "yellow")


def _table(result: BookCheck, tr, stacked: bool):
    """A row per param, under a line that says what the numbers are: the
    book's mean, then the adjusted one and its verdict; ``stacked`` (a narrow
    screen): name, shape, the two means and the result only."""
    heading = Text(tr("mean |backprop − numerical|: the book's, adjusted"))
    if stacked:
        t = Table.grid(padding=(0, 1))
        for p in result.params:
            t.add_row(Text(p.name, style="bold"), Text(str(p.shape), style="dim"), f"{p.book_mean:.2e}",
                      _mean(p), _result(p, tr))
        return Group(heading, t)
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for col in ("param", "shape", "entries", "book", "left out", "adjusted", "result"):
        t.add_column(tr(col), no_wrap=True, justify="left" if col in ("param", "shape") else "right")
    for p in result.params:
        t.add_row(p.name, str(p.shape), f"{p.size:,}", f"{p.book_mean:.2e}", f"{p.kink_count:,}", _mean(p),
                  _result(p, tr))
    return Group(heading, t)


def kink_lines(result: BookCheck, tr) -> list[str]:
    """A line per param with entries left out: how many, and why; or that it has no verdict."""
    why = tr("their ±h nudge crosses a Relu kink, where the numerical gradient is not the derivative")
    return [tr("{name}: {n} of {size} entries left out: {why}", name=p.name, n=f"{p.kink_count:,}",
               size=f"{p.size:,}", why=why) if p.judged else
            tr("{name}: no verdict: all {size} entries left out: {why}", name=p.name, size=f"{p.size:,}", why=why)
            for p in result.params if p.kink_count]


def book_check_view(result: BookCheck, tr, stacked: bool = False) -> Group:
    """The title, the table (the book's mean difference per param, then the
    adjusted one and its verdict), the entries the adjusted side left out at a
    Relu kink, the timing line and what each column is."""
    t = _table(result, tr, stacked)
    notes = [tr("book: as the book's gradient_check.py computes it: numerical_gradient (h = {h}, as in 4.3.1) of the "
                "loss as the layers compute it, over every entry; the book prints this mean and judges "
                "nothing.", h=f"{result.h:.0e}"),
             tr("adjusted: the same central difference, with the entries whose nudge crosses a Relu kink left "
                "out; a mean above {limit} fails.", limit=f"{ADJUSTED_LIMIT:g}")]
    if result.exact:
        notes.append(tr("The adjusted side differentiates the cross-entropy without the 1e-7 in "
                        "log(y + 1e-7): backprop's (y − t)/N is the derivative of that function, so the "
                        "book's column differs by about 1e-7 / y per row."))
    kinks = kink_lines(result, tr)
    return Group(book_title(tr, result.samples), t, *([Text("\n".join(kinks), style="yellow")] if kinks else []),
                 Text(timing_line(result, tr), style="bold"), Text("\n".join(notes), style="dim"))
