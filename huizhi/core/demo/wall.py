"""Demo problem wall and echo wall (DESIGN §5, §12)."""


def load() -> None:
    pass
