"""A scenario's description as the reader's width wraps it."""


def paragraphs(text: str) -> str:
    """Rejoin the lines of each paragraph, so the reader's width wraps them."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))
