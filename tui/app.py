"""The Textual app: a thin shell that pushes screens.

It holds the stylesheet, the language and the keys that work everywhere
(help, quit, language, open). The scenario lives in a ``StepScreen``; with
none given, the app starts on a welcome screen with the picker open.
"""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from backprop_engine import Scenario, ScenarioError, load
from backprop_engine.scenario import BUNDLED_DIR

from .dialogs.help import HelpDialog
from .dialogs.picker import PickerDialog
from .i18n import ENGLISH, Catalog, catalogs
from .screens.base import MainScreen
from .screens.step import StepScreen
from .screens.welcome import WelcomeScreen
from .textual_compat import translate_bindings
from .widgets.note_bar import NoteBar


class BackpropApp(App):
    CSS_PATH = Path(__file__).parent / "app.tcss"  # also for a subclass elsewhere (tests)
    TITLE = "backprop-tui"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide"), (90, "-full")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]

    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="this help"),
        Binding("q", "quit", "Quit", tooltip="quit"),
        Binding("o", "open", "Open", tooltip="open another scenario"),
        Binding("L", "next_language", "Language", show=False,
                tooltip="switch the language: English, 中文, 日本語"),
        Binding("escape", "dismiss_notes", "Close notes", show=False,
                tooltip="close the note (the bar under the status line)"),
    ]

    catalog: reactive[Catalog] = reactive(ENGLISH, repaint=False)
    """The language of every label; the L key cycles through ``languages``."""
    served = None  # in a browser tab of --serve: a tui.serve.Served (the command line sets it)

    def __init__(self, scenario: Scenario | None = None, precision: int = 6, lang: str = "en",
                 languages: dict[str, Catalog] | None = None, drawn: bool | None = None, learner=None):
        """``learner``: --layers, the learner's classes (backprop_engine.learner.runner.Learner),
        used in every scenario opened; ``scenario`` comes with them already."""
        super().__init__()
        self.learner = learner
        self.first = scenario  # the scenario to open first (None: the picker)
        self.precision = precision  # significant digits shown (--precision)
        self.drawn = drawn  # the graph drawn (True) or listed (False); None: drawn where it fits
        self.languages = languages or catalogs()
        self.set_reactive(BackpropApp.catalog, self.languages[lang])

    def get_default_screen(self) -> Screen:
        if self.first is None:
            return WelcomeScreen()
        screen = StepScreen(self.first, self.drawn)
        screen.mark_drawing()  # styled as it will be drawn from the start
        return screen

    def on_mount(self) -> None:
        self.watch(self, "catalog", lambda: translate_bindings(self, self.catalog))  # also now
        if self.first is None:
            self.action_open()
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        """What exists once the first screen is drawn (Textual, Rich, numpy, the
        app) lives as long as the app: collect the garbage now, then leave the
        rest out of the garbage collector's full passes, which would otherwise
        take 20-40 ms at unforeseeable key presses."""
        gc.collect()
        gc.freeze()
        gc.enable()  # (the command line starts the app with it off)

    def on_unmount(self) -> None:
        gc.unfreeze()  # for the app's life only (another app may run in this process)

    @property
    def main(self) -> MainScreen:
        """The screen under any dialog: the one the App's keys act on."""
        return next(s for s in reversed(self.screen_stack) if isinstance(s, MainScreen))

    def check_action(self, action: str, parameters) -> bool | None:
        # (Textual's own app actions, such as focus_next for tab in a dialog, always run)
        if self.screen is not self.main and action in OWN_ACTIONS:
            return False  # under a dialog: the footer of the screen below shows none of these
        if action == "open" and self.main.busy:
            return None  # a training runs: its result belongs to the scenario open now
        return True

    def action_help(self) -> None:
        keys = [b for b in type(self.main).BINDINGS if self.main.offers(b.action.split("(")[0])]
        self.push_screen(HelpDialog([*keys, *self.BINDINGS], self.main.HELP_NOTES))

    def action_quit(self) -> None:
        self.main.leave(self.catalog("Quit and lose them?"), self.exit)

    def action_open(self) -> None:
        self.push_screen(PickerDialog(), self.open_path)

    def open_path(self, path: Path | None, keep_position: bool = False) -> None:
        """Load a scenario; on failure say why and keep what is open (edits too)."""
        if path is None:
            return
        main = self.main
        try:
            scenario = self._with_learner(load(path))
        except ScenarioError as e:
            main.show_error("\n".join(e.lines))
            return
        shown = path.stem if path.parent == BUNDLED_DIR else path  # not a long site-packages path

        def opened() -> None:
            main.open_scenario(scenario, keep_position)
            if keep_position:  # r: say that it happened, and where it stays (one note: it replaces the last)
                main.notify(self.catalog("reloaded {path}: step {k} of {n}", path=shown, k=main.engine.position,
                                         n=len(main.engine)), timeout=4)
        main.leave(self.catalog("Load {path} and lose them?", path=shown), opened)

    def _with_learner(self, scenario: Scenario) -> Scenario:
        """With --layers: the file imported again (r shows a fixed file), its
        classes in place of the built-in layers; a file that no longer
        imports is a load error."""
        if self.learner is None:
            return scenario
        from backprop_engine.learner.runner import LearnerError
        from backprop_engine.learner.beside import own_layers
        try:
            self.learner.restart()
        except LearnerError as e:
            raise ScenarioError(self.learner.path, [str(e)]) from None
        return own_layers(scenario, self.learner)

    def action_next_language(self) -> None:
        codes = list(self.languages)
        self.catalog = self.languages[codes[(codes.index(self.catalog.code) + 1) % len(codes)]]
        self.main.notify(self.catalog("Language: English"))

    def action_dismiss_notes(self) -> None:
        self.main.query_one(NoteBar).clear()


OWN_ACTIONS = {b.action for b in BackpropApp.BINDINGS}
