"""Helpers for the 'Fine-tuning or RAG?' course.

Import the module you need, e.g. ``from course_utils import models``.
Importing this package does nothing else: no downloads, no seeding, no model loading.
"""

__version__ = "0.1.0"
