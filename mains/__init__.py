"""What the original's main_*.m scripts do (load, normalise, mini-batches, train, test, save),
for either twin and any of the four models: the layer on top of ``dual/`` and ``reference/``
that the scripts call. Dependencies point one way: scripts -> mains -> dual -> reference ->
shared.
"""
