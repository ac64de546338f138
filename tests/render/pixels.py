"""A PDF as pixels, as poppler's ``pdftoppm`` rasterises it: for tests that compare
what two ways of drawing put on the page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image


def rasterise(pdf: bytes, folder: Path, name: str, dpi: int) -> np.ndarray:
    """The first page of ``pdf`` as an RGB array at ``dpi`` (files kept in ``folder``)."""
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", f"{name}.pdf", name],
        cwd=folder,
        check=True,
    )
    return np.asarray(Image.open(folder / f"{name}.png").convert("RGB"))
