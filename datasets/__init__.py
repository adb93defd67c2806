"""Readers of the real data formats; they return plain numpy dataclasses, never TF objects."""
