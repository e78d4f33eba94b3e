"""The views: explanations and engine records turned into Rich renderables
(the app and ``--print``) or Markdown (``--markdown`` and the export)."""
