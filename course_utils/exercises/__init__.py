"""Automatic checks for the notebooks' exercises, one module per track (`rag`, `finetune`, ...).

Each check raises AssertionError with a hint when an answer is not right yet, and prints a short
confirmation when it is. Solutions live in notebooks/solutions/, apart from the checks.
"""
