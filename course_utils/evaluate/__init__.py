"""Measuring the systems the course builds, one small module per kind of measurement.

- `meters`: wall time, peak memory, token counts.
- `retrieval`: recall@k, precision@k, MRR, nDCG for ranked document ids.
- `answers`: normalised exact match, token F1, answer accuracy against gold answers and variants.
- `generation`: JSON parse rate, schema validity, field accuracy, style adherence, throughput.
- `uncertainty`: a share with n/N and a 95 % interval; two systems compared on the same questions.

Import the module you need, e.g. ``from course_utils.evaluate import retrieval``.
"""

from ..config import CourseError


class MetricError(CourseError, ValueError):
    """A measurement's inputs are unusable: empty, of different lengths, or a k, a count or a schema out of range."""
