"""Make backprop_engine/datasets/digits.npz: the 8x8 handwritten digits.

The data is the test set of the UCI "Optical Recognition of Handwritten
Digits" data set (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0), as scikit-learn
bundles it: 1,797 images of 8x8 pixels, each pixel a count from 0 to 16, and
their labels 0-9. scikit-learn is needed only to run this script, never by
backprop-tui itself:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python scripts/make_digits.py

The file holds two arrays, x (1797, 8, 8) uint8 and t (1797,) uint8, in the
order scikit-learn gives them; the scenario's seed draws the test split.
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent.parent / "backprop_engine" / "datasets" / "digits.npz"


def main() -> None:
    digits = load_digits()
    x = digits.images.astype(np.uint8)   # counts 0-16, exact in uint8
    t = digits.target.astype(np.uint8)
    assert x.shape == (1797, 8, 8) and t.shape == (1797,)
    assert np.array_equal(x, digits.images) and x.max() == 16 and set(t) == set(range(10))
    np.savez_compressed(OUT, x=x, t=t)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): x {x.shape} {x.dtype}, t {t.shape} {t.dtype}")


if __name__ == "__main__":
    main()
