"""The app's dialogs, one module each, on the ``Dialog`` base of ``base``."""
