"""The Textual app and the command line of backprop-tui: clients of backprop_engine."""
