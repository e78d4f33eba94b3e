"""What the command line prints, one module per output: ``steps`` (--print),
``check`` (--check), ``layers_check`` (--check --layers), ``train`` (--train)
and ``markdown`` (--markdown, also the app's export). They are built on the
renderers of ``tui/views`` and never import Textual."""
