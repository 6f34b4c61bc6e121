"""Demo care services of 凤凰社区 (DESIGN §7, §12). Filled in by the care module."""


def load() -> None:
    pass
