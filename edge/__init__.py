"""Matou edge device: the software of an in-store counter device for code-driven ordering."""

__version__ = "0.1.0"
