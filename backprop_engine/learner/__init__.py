"""The learner's own layer classes (``--layers FILE.py``), run beside the engine's.

``Learner(path)`` imports FILE.py in a child process, the way ``python
FILE.py`` would run it (its folder first on sys.path, its module-level code
run with the user's rights), except that ``__name__`` is not "__main__": an
``if __name__ == "__main__":`` block does not run. It finds the book's layer
classes (MulLayer/Mul, AddLayer/Add, Relu, Sigmoid, Affine, SoftmaxWithLoss,
any case) and ``call`` runs one of them through the book's interface
(``forward``, then ``backward``), adapted to the engine's: a ``Call`` with
the outputs, or the error as one line with the learner's frames, the arrays
their code wrote into, and what it printed. A call that hangs or kills its
process is stopped and reported; the child is started again.

Nothing else in backprop_engine loads Python code: a scenario file is data.

The classes are in ``runner`` (``from backprop_engine.learner.runner import
Learner``): the package itself imports nothing, so that the app, which reads
the checks of ``beside``, starts without multiprocessing.
"""
