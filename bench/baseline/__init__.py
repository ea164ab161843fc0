"""A bare Django project the benchmark measures careersite against (see bench/run.py)."""
