"""The gradient check: backprop beside the central difference, h adjustable.
For a scenario with [data], also the book's form: the numerical gradient of
every entry of every trained param on a few samples, in a worker thread with a
progress bar (the dialog stays responsive; closing it cancels the run)."""

from __future__ import annotations

import time

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from backprop_engine import Engine
from backprop_engine.gradcheck import BOOK_SAMPLES, H, SAMPLE, BookCheck, book_check, check_gradients

from ..views.book_check import book_check_view, book_title
from ..views.gradcheck_table import gradcheck_table
from .base import Dialog


class GradCheckDialog(Dialog[None]):
    DEFAULT_CSS = """
    #check-box { width: 90%; }
    #book-bar { margin-bottom: 1; }
    #book.-done { margin-bottom: 1; }
    GradCheckDialog.-short #book-bar, GradCheckDialog.-short #book.-done { margin-bottom: 0; }
    """
    REPORT_EVERY = 0.05  # seconds between two progress reports of the worker
    BINDINGS = [
        Binding("plus,equals_sign", "scale_h(10)", "h × 10", key_display="+"),
        Binding("minus", "scale_h(0.1)", "h ÷ 10", key_display="-"),
        Binding("escape,c,q", "dismiss", "Close"),
    ]
    h: reactive[float] = reactive(H)
    """The central-difference step."""

    def __init__(self, engine: Engine):
        super().__init__()
        self.engine = engine
        self.checks = None  # for h; made on mount
        self.book: BookCheck | None = None  # the book's form, once its worker is done
        self.book_done = 0  # entries of the book's form done so far
        self.book_worker: Worker | None = None

    class BookProgress(Message):
        def __init__(self, done: int, total: int):
            super().__init__()
            self.done, self.total = done, total

    class BookDone(Message):
        def __init__(self, result: BookCheck):
            super().__init__()
            self.result = result

    def compose(self) -> ComposeResult:
        with self.box("check-box", scroll=True):
            if self.engine.scenario.data is not None:  # the book's form first: the point of 5.7.3 with data
                yield Static(Group(book_title(self.tr, BOOK_SAMPLES), Text(self.tr(
                    "numerical gradient: every parameter nudged by ±h, one at a time; escape cancels"),
                    style="dim")), id="book")
                yield ProgressBar(id="book-bar", show_eta=False)
            yield Static(id="check")

    def on_mount(self) -> None:
        if self.engine.scenario.data is not None:
            self.book_worker = self.run_worker(self._run_book, thread=True, exit_on_error=False)

    def on_unmount(self) -> None:
        if self.book_worker is not None:
            self.book_worker.cancel()  # the worker stops before its next entry

    def _run_book(self) -> None:
        """In the worker's thread: the book's form, reporting progress at most
        every REPORT_EVERY seconds (and at the end) as messages."""
        worker, last = get_current_worker(), [0.0]

        def progress(done: int, total: int) -> None:
            if done == total or time.monotonic() - last[0] >= self.REPORT_EVERY:
                last[0] = time.monotonic()
                self.post_message(self.BookProgress(done, total))

        result = book_check(self.engine.scenario, progress=progress, cancelled=lambda: worker.is_cancelled)
        if result is not None:
            self.post_message(self.BookDone(result))

    def on_grad_check_dialog_book_progress(self, message: BookProgress) -> None:
        self.book_done = message.done
        self.query_one("#book-bar", ProgressBar).update(total=message.total, progress=message.done)

    def on_grad_check_dialog_book_done(self, message: BookDone) -> None:
        self.book = message.result
        self.query_one("#book-bar", ProgressBar).display = False
        self.query_one("#book", Static).add_class("-done")
        self._show_book()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self.book_worker and event.state == WorkerState.ERROR:  # a bug: say it, in one line
            self.query_one("#book-bar", ProgressBar).display = False
            self.query_one("#book", Static).update(Text(self.tr("the book's check stopped: {error}",
                                                                error=event.worker.error), style="bold red"))

    def _show_book(self) -> None:
        narrow = self.app.size.width < 70  # as the table above: a line per param
        self.query_one("#book", Static).update(book_check_view(self.book, self.tr, stacked=narrow))

    def action_scale_h(self, factor: float) -> None:
        self.h = min(max(self.h * factor, 1e-15), 1.0)

    def watch_h(self) -> None:  # also called once on mount (reactive init)
        self.checks = check_gradients(self.engine.scenario, h=self.h)
        self._show()

    def on_resize(self) -> None:
        if self.checks is not None:
            self._show()  # a row per value, or a block per value when narrow
        if self.book is not None:
            self._show_book()

    def _show(self) -> None:
        tr, checks = self.tr, self.checks
        sampled = [c.name for c in checks if c.sampled]
        notes = Text(
            tr("(f(x + h) − f(x − h)) / 2h with h = {h} (the book's numerical_gradient takes 1e-4, 4.3.1).  "
               "+ makes h 10× larger, − 10× smaller: the "
               "error first falls (the difference's own error shrinks like h²), then rises again "
               "(rounding: about 1e-16 × |f| / h).", h=f"{self.h:.0e}") + "\n"
            + tr("Where they differ for another reason: a Relu input within h of 0 puts the two "
                 "points on both sides of the kink; the loss's log(y + 1e-7) is what the numeric "
                 "gradient differentiates, while backprop's (y − t)/N leaves the 1e-7 out."), style="dim")
        if sampled:
            notes.append("\n" + tr("{names}: a fixed sample of {n} entries (seed 0); the row shows the "
                                   "entry where the two differ most.", names=", ".join(sampled), n=SAMPLE))
        self.query_one("#check", Static).update(Group(
            Text(tr("Gradient check: {title}", title=tr.own(self.engine.scenario.title)), style="bold"),
            gradcheck_table(checks, tr, stacked=self.app.size.width < 70), notes,
            Text(tr("+/− change h, escape closes"), style="bold")))
