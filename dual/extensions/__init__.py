"""What goes beyond the original, for the dual twin: the reference's extensions
(``reference.extensions``) with every backward from dual numbers, and the Gaussian
kervolution, which has no hand-derived backward and so exists only here.
"""
